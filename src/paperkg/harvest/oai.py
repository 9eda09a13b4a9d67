"""Harvesting arXiv's OAI-PMH interface (ListRecords, `arXivRaw` or `arXiv` metadata).

Resumption tokens are followed to the end, the token checkpointed after every page; an
expired token (arXiv's expire daily) restarts the run, which is harmless because merging is
idempotent. A finished run remembers the repository's responseDate: the next run asks only
for records changed since (`from`), as arXiv recommends for keeping a copy up to date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from paperkg.harvest.http import PoliteClient
from paperkg.harvest.sink import GraphSink
from paperkg.harvest.state import HarvestState, Run
from paperkg.sources.oai import OaiError, OaiPage, read_oai

log = logging.getLogger("paperkg.harvest")
FORMATS = ("arXivRaw", "arXiv")


@dataclass(frozen=True)
class OaiQuery:
    set_spec: str | None = None  # "cs", "cs:cs:DC", "physics:hep-th"
    date_from: date | None = None  # on the repository's datestamp (last modification)
    date_until: date | None = None
    metadata_prefix: str = "arXivRaw"

    @property
    def key(self) -> str:
        parts = [f"metadataPrefix={self.metadata_prefix}"]
        parts += [f"set={self.set_spec}"] if self.set_spec else []
        parts += [f"from={self.date_from}"] if self.date_from else []
        parts += [f"until={self.date_until}"] if self.date_until else []
        return "oai:" + "&".join(parts)


class OaiHarvester:
    def __init__(self, client: PoliteClient, url: str, sink: GraphSink, state: HarvestState):
        self.client, self.url, self.sink, self.state = client, url, sink, state
        self.deleted: list[str] = []

    def run(self, query: OaiQuery) -> None:
        progress = self.state.query(query.key)
        if progress.run is None:
            progress.run = Run("update" if progress.watermark else "full")
        run = progress.run
        while True:
            try:
                page = self._next_page(query, run, progress.watermark)
            except OaiError as error:
                if error.code != "badResumptionToken" or run.token is None:
                    raise
                log.info("the resumption token expired: starting the run again from its first page")
                run.token, run.received = None, 0
                continue
            if run.newest is None and page.response_date:
                run.newest = page.response_date  # the next run asks from here on
            self.deleted.extend(page.deleted_ids)
            run.received += len(page.papers)
            run.token = page.resumption_token or None
            self.sink.commit(page.papers)
            log.info("%d records received; %s", run.received, "more to come" if run.token else "done")
            if run.token is None:
                break
        progress.watermark = run.newest or progress.watermark
        progress.run = None
        self.state.save()

    def _next_page(self, query: OaiQuery, run: Run, watermark: str | None) -> OaiPage:
        if run.token:
            params = {"verb": "ListRecords", "resumptionToken": run.token}
        else:
            params = {"verb": "ListRecords", "metadataPrefix": query.metadata_prefix}
            since = query.date_from.isoformat() if query.date_from else (watermark or "")[:10]
            if since:
                params["from"] = since
            if query.date_until:
                params["until"] = query.date_until.isoformat()
            if query.set_spec:
                params["set"] = query.set_spec
        return self.client.get(self.url, params, read_oai)
