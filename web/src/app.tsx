// The shell: header (projects, sign-in, theme) and the page the URL names.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, getToken, request, setToken, type Identity } from "./api";
import { navigate, useLocation } from "./router";
import { RunsPage } from "./pages/runs";
import { RunPage } from "./pages/run";
import { ComparePage } from "./pages/compare";
import { DatasetPage } from "./pages/dataset";
import { DatasetsPage } from "./pages/datasets";
import { EvaluationPage } from "./pages/evaluation";
import { EvaluationComparePage } from "./pages/evaluationCompare";
import { LineagePage } from "./pages/lineage";
import { ModelPage } from "./pages/model";
import { ModelsPage } from "./pages/models";
import { CompliancePage } from "./pages/compliance";

type Theme = "light" | "dark";

function useTheme(): [Theme, () => void] {
  const initial = (localStorage.getItem("trackrecord.theme") as Theme | null) ??
    (window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  const [theme, setTheme] = useState<Theme>(initial);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("trackrecord.theme", theme);
  }, [theme]);
  return [theme, () => setTheme(theme === "dark" ? "light" : "dark")];
}

/** Who the UI acts for: null while unknown, "signin" when the server wants a token. */
function useIdentity(): [Identity | "signin" | null, () => void] {
  const [identity, setIdentity] = useState<Identity | "signin" | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    api.whoami().then(setIdentity, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setIdentity("signin");
      else setIdentity({ user: "anonymous", is_admin: true, roles: {}, token: null, token_project: null });
    });
  }, [attempt]);
  return [identity, () => setAttempt((n) => n + 1)];
}

/** Sign in with a user name and password (the server hands back a token) or a token. */
export function SignIn({ onDone }: { onDone: () => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [token, setValue] = useState("");
  const [error, setError] = useState<string | null>(getToken() ? "That token was refused; sign in again." : null);
  const withPassword = async (event: Event) => {
    event.preventDefault();
    try {
      const answer = await request<{ token: string }>("/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: user.trim(), password }),
      });
      setToken(answer.token);
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <div class="signin">
      <h1>Sign in</h1>
      <form onSubmit={withPassword}>
        <label>
          User
          <input value={user} autoComplete="username" onInput={(e) => setUser(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" value={password} autoComplete="current-password" onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setToken(token.trim());
          onDone();
        }}
      >
        <p>Or use an API token (an admin makes one with <code>trackrecord admin token create USER</code>).</p>
        <label>
          Token
          <input type="password" value={token} autoComplete="off" onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit">Sign in with the token</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

const NAV: [string, string][] = [["/", "Runs"], ["/datasets", "Datasets"], ["/models", "Models"], ["/lineage", "Lineage"]];

/** The nav entry a path belongs to. */
function section(path: string): string {
  const top = `/${path.split("/")[1] ?? ""}`;
  if (top === "/runs" || top === "/compare") return "/";
  if (top === "/compliance") return "/models";
  return top;
}

/** The page for a path: /runs/ID, /compare, /datasets[/NAME], /models[/NAME], /lineage,
 * /evaluations/ID, /evaluations/compare, /compliance/NAME/VERSION, else the runs table. */
function route(path: string, params: URLSearchParams, identity: Identity) {
  const [, top, name, extra, beyond] = path.split("/");
  if (top === "compliance" && name && extra && beyond === undefined) {
    return <CompliancePage name={decodeURIComponent(name)} version={decodeURIComponent(extra)} />;
  }
  if (extra !== undefined) return <RunsPage params={params} identity={identity} />;
  const decoded = name ? decodeURIComponent(name) : "";
  if (top === "runs" && decoded) return <RunPage runId={decoded} identity={identity} />;
  if (top === "compare" && !decoded) return <ComparePage params={params} />;
  if (top === "datasets") return decoded ? <DatasetPage name={decoded} params={params} /> : <DatasetsPage params={params} />;
  if (top === "models") return decoded ? <ModelPage name={decoded} /> : <ModelsPage params={params} />;
  if (top === "lineage") return <LineagePage params={params} />;
  if (top === "evaluations" && decoded === "compare") return <EvaluationComparePage params={params} />;
  if (top === "evaluations" && decoded) return <EvaluationPage id={decoded} />;
  return <RunsPage params={params} identity={identity} />;
}

export function App() {
  const location = useLocation();
  const [theme, toggleTheme] = useTheme();
  const [identity, retry] = useIdentity();
  if (identity === null) return <p class="loading">Loading…</p>;
  if (identity === "signin") return <SignIn onDone={retry} />;
  const page = route(location.path, location.params, identity);
  return (
    <div class="shell">
      <header>
        <a href="/" class="brand" onClick={(e) => { e.preventDefault(); navigate("/"); }}>TrackRecord</a>
        <nav class="nav" aria-label="Sections">
          {NAV.map(([href, label]) => (
            <a key={href} href={href} aria-current={section(location.path) === href ? "page" : undefined}
              onClick={(e) => { e.preventDefault(); navigate(href); }}>{label}</a>
          ))}
        </nav>
        <span class="spacer" />
        <span class="who" title="signed in as">{identity.user}</span>
        {identity.token && (
          <button type="button" onClick={() => { setToken(null); retry(); }}>Sign out</button>
        )}
        <button type="button" aria-label={`switch to ${theme === "dark" ? "light" : "dark"} theme`} onClick={toggleTheme}>
          {theme === "dark" ? "☀" : "☾"}
        </button>
      </header>
      <main>{page}</main>
    </div>
  );
}
