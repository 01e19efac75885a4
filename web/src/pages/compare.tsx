// Runs side by side (ids in the URL: /compare?run=A&run=B).
export function ComparePage({ params }: { params: URLSearchParams }) {
  const ids = params.getAll("run");
  return <p>Comparing {ids.length} runs.</p>;
}
