"""The command line. The only place that prints and chooses exit codes."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import click

from paperkg import __version__
from paperkg.errors import PaperkgError
from paperkg.query import FORMATS as QUERY_FORMATS

project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The site project (the directory of its mkdocs.yml). Default: found from the current directory.",
)

jobs_option = click.option(
    "--jobs", "-j", type=click.IntRange(min=1),
    help="Processes that build the pages. Default: one per core.",
)
remote_option = click.option("--remote", default="origin", show_default=True,
                             help="The git remote (name or URL) to push to.")
branch_option = click.option("--branch", default="gh-pages", show_default=True,
                             help="The branch the site is published on.")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name, level in (("paperkg", logging.INFO if verbose else logging.WARNING), ("mkdocs", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO if verbose and name == "mkdocs" else level)
        logger.propagate = False


class PaperkgGroup(click.Group):
    """Turns every PaperkgError into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PaperkgError as error:
            for line in str(error).splitlines() or ["error"]:
                click.echo(f"paperkg: error: {line}", err=True)
            sys.exit(1)


@click.group(cls=PaperkgGroup)
@click.version_option(__version__, prog_name="paperkg")
@click.option("-v", "--verbose", is_flag=True, help="Report each stage with its timing.")
def main(verbose: bool) -> None:
    """paperkg: arXiv metadata -> RDF graph -> linked Markdown pages -> static MkDocs site."""
    _setup_logging(verbose)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--name", help="The site's name (default: the directory's name).")
def new(directory: Path, name: str | None) -> None:
    """Scaffold a site project in DIRECTORY."""
    from paperkg.scaffold import scaffold

    scaffold(directory, name)
    click.echo(f"Created a paperkg site in {directory}. Next: cd {directory}; set site_url and the harvest "
               "queries in mkdocs.yml; git add --all && git commit -m 'New paperkg site'; paperkg update "
               "(or paperkg ingest FEED.xml; paperkg build). Its README has the rest.")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@project_option
def ingest(files: tuple[Path, ...], project_dir: Path | None) -> None:
    """Add the papers in FILES to the graph: arXiv API answers (Atom), OAI-PMH answers
    (arXivRaw, arXiv) and Kaggle metadata snapshots (JSON Lines, plain or .gz, streamed).

    If any file is bad, nothing is ingested."""
    from paperkg.config import load_project
    from paperkg.ingest import ingest as run_ingest

    project = load_project(project_dir)
    result = run_ingest(project, list(files))
    for file in result.files:
        info = file.info
        if file.papers:
            click.echo(f"{info.source}: {file.papers} papers")
        elif info.total_results:  # a known arXiv inconsistency
            click.echo(
                f"{info.source}: the feed reports {info.total_results} result(s) but holds no entries; "
                "nothing to ingest"
            )
        else:
            click.echo(f"{info.source}: no entries; nothing to ingest")
    click.echo(f"graph: {result.report.summary()}; {len(result.written)} graph files written")


@main.command()
@click.option("--query", "search_query", help="An arXiv search_query, e.g. 'cat:cs.DC'.")
@click.option("--id-list", help="Comma-separated arXiv ids.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First submission date (YYYY-MM-DD).")
@click.option("--until", "date_until", type=click.DateTime(["%Y-%m-%d"]), help="Last submission date (YYYY-MM-DD).")
@click.option("--max", "limit", type=click.IntRange(min=1), help="Stop after this many results.")
@click.option("--sort", type=click.Choice(["submittedDate", "lastUpdatedDate"]), default="submittedDate",
              show_default=True, help="Order of a first run, oldest first (later runs go newest first).")
@click.option("--oai", is_flag=True, help="Harvest OAI-PMH (ListRecords) instead of the query API.")
@click.option("--set", "set_spec", help="OAI-PMH set, e.g. 'cs' or 'cs:cs:DC' (with --oai).")
@click.option("--metadata-format", type=click.Choice(["arXivRaw", "arXiv"]), default="arXivRaw", show_default=True,
              help="OAI-PMH metadata format (with --oai): arXivRaw has every version's date.")
@click.option("--api-url", help="The arXiv API endpoint (or a mirror); default from mkdocs.yml.")
@click.option("--oai-url", help="The OAI-PMH endpoint; default from mkdocs.yml.")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests (arXiv asks for 3).")
@click.option("--page-size", type=click.IntRange(1, 2000), help="Results per request (at most 2,000).")
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Connect and read timeout, seconds.")
@click.option("--retries", type=click.IntRange(min=0), help="Attempts after the first for a failing request.")
@project_option
def harvest(
    search_query: str | None, id_list: str | None, date_from, date_until, limit: int | None, sort: str,
    oai: bool, set_spec: str | None, metadata_format: str, project_dir: Path | None, **flags: object,
) -> None:
    """Fetch papers from arXiv into the graph, politely, page by page, resumably.

    With no query, the queries listed in mkdocs.yml are brought up to date: each fetches
    only what is new or updated since its last run. A stopped harvest resumes where it
    stopped."""
    from paperkg.config import load_project
    from paperkg.harvest.api import ApiQuery
    from paperkg.harvest.oai import OaiQuery
    from paperkg.harvest.run import HarvestSettings, harvest_api, harvest_oai

    logging.getLogger("paperkg.harvest").setLevel(logging.INFO)
    project = load_project(project_dir)
    settings = HarvestSettings.from_project(project, **flags)
    dates = {"date_from": date_from and date_from.date(), "date_until": date_until and date_until.date()}
    api = {"limit": limit, "sort": sort, **dates}
    if oai:
        if search_query or id_list or limit:
            raise click.UsageError("--oai harvests sets: --query, --id-list and --max are for the query API")
        result = harvest_oai(project, settings, OaiQuery(set_spec, metadata_prefix=metadata_format, **dates))
    elif search_query or id_list:
        result = harvest_api(project, settings, [ApiQuery(search_query or "", id_list or "", **api)])
    else:
        result = harvest_api(project, settings, [ApiQuery(q, **api) for q in settings.queries])
    for warning in result.warnings:
        click.echo(f"paperkg: warning: {warning}", err=True)
    click.echo(
        f"harvest: {result.report.summary()}; {result.stats.requests} requests "
        f"({result.stats.retries} retried), {len(result.warnings)} warnings"
    )


@main.command()
@click.argument("query", required=False)
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS),
              default="table", show_default=True, help="Output (turtle/ntriples for CONSTRUCT and DESCRIBE).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A named query's parameter; <...> for an IRI, anything else is a string.")
@click.option("--allow-update", is_flag=True, help="Run SPARQL Update and write the graph (read-only otherwise).")
@click.option("--list", "list_them", is_flag=True, help="List the named queries and their parameters.")
@click.option("--endpoint", help="Run it on this SPARQL 1.1 query endpoint instead of the local graph.")
@project_option
def query(query: str | None, fmt: str, params: tuple[str, ...], allow_update: bool, list_them: bool,
          endpoint: str | None, project_dir: Path | None) -> None:
    """Run SPARQL over the site's graph: QUERY is SPARQL text, a FILE.rq, or a named query
    (graph/queries/NAME.rq, e.g. `paperkg query top-authors`). ASK exits 0 for true, 1 for
    false."""
    from pyoxigraph import QueryBoolean

    from paperkg.config import load_project
    from paperkg.graph.store import load_graph, write_graph
    from paperkg.query import Formatter, list_queries, resolve, run

    project = load_project(project_dir)
    if list_them:
        for named in list_queries(project.graph_dir):
            params_text = "".join(f"\n    --param {k}=...  {v}" for k, v in named.params.items())
            click.echo(f"{named.name}: {named.title}{params_text}")
        return
    if not query:
        raise click.UsageError("give a query (SPARQL text, FILE.rq or a name), or --list")
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--param {item}: expected NAME=VALUE")
        values[name] = value
    named = resolve(project.graph_dir, query)
    if endpoint:
        from paperkg.remote import load_json, remote_query

        answer = remote_query(endpoint, project.iris, named, values, fmt)
        if fmt == "table" or answer.headers.get("Content-Type", "").startswith("application/sparql-results+json"):
            results = load_json(answer)
            click.echo(Formatter(project.iris).json_table(results) if fmt == "table" else answer.text, nl=False)
            if results.get("boolean") is False:
                sys.exit(1)  # ASK: false
        else:
            click.echo(answer.text, nl=False)
        return
    store = load_graph(project.graph_dir, project.iris)
    result = run(store, project.iris, named, values, allow_update)
    if result is None:
        written = write_graph(store, project.graph_dir, project.iris)
        click.echo(f"update done; {len(written)} graph files written")
        return
    click.echo(Formatter(project.iris).format(result, fmt), nl=False)
    if isinstance(result, QueryBoolean) and not result:
        sys.exit(1)  # ASK: false


@main.command()
@click.option("--endpoint", required=True, help="A SPARQL 1.1 Graph Store Protocol URL, e.g. http://host:7878/store.")
@click.option("--graph", "graph_iri", help="The named graph to write (default: the default graph).")
@click.option("--merge", is_flag=True, help="Add to the graph's triples instead of replacing them.")
@project_option
def push(endpoint: str, graph_iri: str | None, merge: bool, project_dir: Path | None) -> None:
    """Upload the site's graph to a SPARQL server (replacing the target graph by default, so
    pushing again is idempotent)."""
    from paperkg.config import load_project
    from paperkg.graph.store import load_graph
    from paperkg.remote import push as push_graph

    project = load_project(project_dir)
    sent = push_graph(load_graph(project.graph_dir, project.iris), endpoint, graph_iri, merge)
    target = graph_iri or "the default graph"
    click.echo(f"{'merged' if merge else 'replaced'} {target} at {endpoint} with {sent} triples")


@main.command()
@project_option
def check(project_dir: Path | None) -> None:
    """Validate the graph against its SHACL shapes (graph/shapes.ttl) and parse every built
    twin (index.ttl, index.jsonld); list every violation."""
    from paperkg.build import twins_dir
    from paperkg.check import check as check_graph
    from paperkg.check import check_twins, shapes_path
    from paperkg.config import load_project
    from paperkg.graph.store import load_graph

    project = load_project(project_dir)
    store = load_graph(project.graph_dir, project.iris)
    violations = check_graph(store, project.iris, shapes_path(project.graph_dir))
    for violation in violations:
        click.echo(f"paperkg: violation: {violation}", err=True)
    twins, broken = check_twins((twins_dir(project.root), project.docs_dir), project.iris)
    for problem in broken:
        click.echo(f"paperkg: twin does not parse: {problem}", err=True)
    if violations or broken:
        raise click.exceptions.Exit(1)
    click.echo(f"graph conforms to {shapes_path(project.graph_dir)}: {len(store)} triples; {twins} twins parse")


@main.command()
@project_option
@click.option("--full", is_flag=True, help="Rebuild every page, not only the changed ones.")
@jobs_option
def build(project_dir: Path | None, full: bool, jobs: int | None) -> None:
    """Graph -> pages -> HTML in the site_dir (public/), failing on any broken link.
    Incremental: only pages whose content changed are rebuilt (unless --full)."""
    from paperkg.build import build_site
    from paperkg.config import load_project

    project = load_project(project_dir, strict=True)
    started = time.perf_counter()
    built = build_site(project, full=full, jobs=jobs)
    what = (f"a full build of {built.pages:,} pages" if built.full
            else f"{built.changed:,} of {built.pages:,} pages changed")
    click.echo(f"Built {project.site_dir} in {time.perf_counter() - started:.1f} s ({what}). "
               f"Browse it with `paperkg serve`, or any static web server.")


@main.command()
@project_option
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve the site on.")
@click.option("--sparql-addr", default="127.0.0.1:8001", show_default=True,
              help="Address of the read-only SPARQL endpoint (/sparql); 'off' for none.")
@jobs_option
def serve(project_dir: Path | None, dev_addr: str, sparql_addr: str, jobs: int | None) -> None:
    """Build the site (incrementally, as `paperkg build`) and serve it, rebuilding when the graph,
    templates, docs or mkdocs.yml change, with a read-only SPARQL 1.1 Protocol endpoint beside it."""
    from paperkg.config import load_project
    from paperkg.endpoint import SparqlEndpoint
    from paperkg.graph.store import load_graph
    from paperkg.serve import dev_server

    project = load_project(project_dir, strict=True)
    server = dev_server(project, dev_addr, jobs)
    endpoint = None
    if sparql_addr != "off":
        host, _, port = sparql_addr.rpartition(":")
        endpoint = SparqlEndpoint(None, project.iris, host or "127.0.0.1", int(port)).start()

        def load() -> None:  # the graph as it is at start, loaded while the site is served already
            try:
                endpoint.store = load_graph(project.graph_dir, project.iris)
            except PaperkgError as error:
                click.echo(f"paperkg: error: the SPARQL endpoint has no graph: {error}", err=True)
                return
            click.echo(f"SPARQL endpoint (read-only): {endpoint.url}", err=True)

        click.echo(f"SPARQL endpoint at {endpoint.url}: loading the graph", err=True)
        threading.Thread(target=load, daemon=True).start()
    click.echo(f"Serving the site on {server.url} (Ctrl+C stops)", err=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        if endpoint:
            endpoint.close()


def _report_publish(result) -> None:
    if result.commit is None and not result.changes:
        click.echo(f"publish: the site on {result.remote} {result.branch} is up to date; nothing to push")
    elif not result.pushed:
        counts = Counter(line.split("\t", 1)[0] for line in result.changes)
        summary = ", ".join(f"{counts[k]} {name}" for k, name in (("A", "added"), ("M", "modified"), ("D", "deleted"))
                            if counts[k])
        click.echo(f"publish (dry run): would push 1 commit to {result.remote} {result.branch}: {summary}")
        # pages before other files (the search index's are many: it renames its fragments), new ones first
        shown = sorted(result.changes, key=lambda line: (not line.endswith(".html"), line[0] != "A", line[0] != "D",
                                                         line))
        for line in shown[:20]:
            click.echo(f"  {line}")
        if len(shown) > 20:
            click.echo(f"  ... and {len(shown) - 20} more")
    else:
        click.echo(f"publish: pushed {result.commit[:12]} to {result.remote} {result.branch} "
                   f"({len(result.changes)} files changed)")
    if result.pushed or result.commit is None:
        click.echo(f"Site: {result.site_url}")


@main.command()
@remote_option
@branch_option
@click.option("--message", "-m", help="The commit message (default: names the source commit).")
@click.option("--dry-run", is_flag=True, help="Build and show what would be pushed; change no branch, push nothing.")
@jobs_option
@project_option
def publish(remote: str, branch: str, message: str | None, dry_run: bool, jobs: int | None,
            project_dir: Path | None) -> None:
    """Build the site and push it to a Pages branch (gh-pages), as one commit naming the
    source commit, without touching the working tree. Nothing changed, nothing pushed."""
    from paperkg.config import load_project
    from paperkg.publish import publish as run_publish

    project = load_project(project_dir, strict=True)
    _report_publish(run_publish(project, remote, branch, message, dry_run, jobs))


@main.command()
@click.option("--publish", "then_publish", is_flag=True, help="Then publish the site (as `paperkg publish`).")
@remote_option
@branch_option
@click.option("--api-url", help="The arXiv API endpoint (or a mirror); default from mkdocs.yml.")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests (arXiv asks for 3).")
@jobs_option
@project_option
def update(then_publish: bool, remote: str, branch: str, api_url: str | None, delay: float | None,
           jobs: int | None, project_dir: Path | None) -> None:
    """Harvest the queries listed in mkdocs.yml, rebuild, and commit the changes to graph/
    with a message listing the new and updated papers. Nothing new, no commit."""
    from paperkg.config import load_project
    from paperkg.harvest.run import HarvestSettings
    from paperkg.publish import publish as run_publish
    from paperkg.update import update as run_update

    logging.getLogger("paperkg.harvest").setLevel(logging.INFO)
    project = load_project(project_dir, strict=True)
    settings = HarvestSettings.from_project(project, api_url=api_url, delay=delay)
    result = run_update(project, settings, jobs)
    for warning in result.harvest.warnings:
        click.echo(f"paperkg: warning: {warning}", err=True)
    if result.commit is None:
        click.echo(f"update: nothing new ({result.harvest.report.summary()}); no commit")
    else:
        click.echo(f"update: committed {result.commit[:12]}: {result.message.splitlines()[0]}")
    if then_publish:
        _report_publish(run_publish(project, remote, branch, jobs=jobs))


@main.command("merge-driver", hidden=True)
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("ours", type=click.Path(path_type=Path))
@click.argument("theirs", type=click.Path(path_type=Path))
@click.argument("path")
def merge_driver(base: Path, ours: Path, theirs: Path, path: str) -> None:
    """git's merge driver for graph/ files (%O %A %B %P): merges them subject by subject into
    OURS; exit code 1 leaves conflict markers where both sides changed the same subject."""
    from paperkg.graph.gitmerge import merge_file

    if not merge_file(base, ours, theirs, path):
        click.echo(f"paperkg: conflict: {path}: left with conflict markers (both sides changed the same entry)",
                   err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
