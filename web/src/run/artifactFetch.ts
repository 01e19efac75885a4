// Artifact bytes, fetched with the API token when there is one (a plain link cannot
// send the Authorization header), handed out as Blobs.
import { api, getToken } from "../api";

export async function fetchArtifact(sha256: string): Promise<Blob> {
  const token = getToken();
  const response = await fetch(api.artifactUrl(sha256), token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  if (!response.ok) throw new Error(`Could not fetch the artifact: ${response.status} ${response.statusText}`);
  return response.blob();
}

/** Save an artifact as *name*: through a blob URL when auth needs the token, else a plain link. */
export async function downloadArtifact(sha256: string, name: string): Promise<void> {
  const url = getToken() ? URL.createObjectURL(await fetchArtifact(sha256)) : api.artifactUrl(sha256);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  if (url.startsWith("blob:")) setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
