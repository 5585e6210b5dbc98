"""The burst's clients: scanner threads that send each scan until it is acknowledged (201
or 202), sending it again with the same client_scan_id when no answer came, as the scan
page does; they note which kill each answer came after."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from demo.world import HUB

HUB_STEPS = ("arriving", "storing", "receiving", "unloading")  # each one leads to at_hub
GIVE_UP_S = 120.0  # a scan still unanswered after this long fails the test, never a timing


@dataclass
class Scan:
    """One scan of the burst and what the tracker answered."""

    sscc: str
    body: dict[str, Any]
    status: int | None = None  # 201 or 202, once acknowledged
    answer: dict[str, Any] = field(default_factory=dict)
    kills_before: int = 0  # kills that had started when the acknowledgement came
    cut_off: int = 0  # sends that got no HTTP answer at all (the tracker died or was down)
    refusals: list[str] = field(default_factory=list)  # answers that acknowledge nothing

    @property
    def scan_id(self) -> str:
        """The client scan id."""
        return str(self.body["client_scan_id"])


def plan_burst(ssccs: list[str], threads: int, per_shipment: int) -> list[list[Scan]]:
    """Per thread, its shipments one after the other, hub scans only."""
    plan: list[list[Scan]] = [[] for _ in range(threads)]
    for n, sscc in enumerate(ssccs):
        for k in range(per_shipment):
            body = {
                "client_scan_id": f"crash-{n:02d}-{k:02d}",
                "biz_step": HUB_STEPS[k % len(HUB_STEPS)],
                "read_point": HUB,
                "event_time": f"2026-11-21T{8 + k // 6:02d}:{k % 6 * 10:02d}:00Z",
            }
            plan[n % threads].append(Scan(sscc, body))
    return plan


class Clients:
    """One thread per list of scans, sending them in order through /api/v1."""

    def __init__(self, url: str, token: str, plan: list[list[Scan]]) -> None:
        """Nothing is sent until `start`."""
        self.url, self.plan = url + "/api/v1", plan
        self.headers = {"Authorization": f"Bearer {token}"}
        self.kills = 0  # raised by the test just before each kill
        self.lock = threading.Lock()
        self.answers: Counter[int] = Counter()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(s,)) for s in plan]

    @property
    def scans(self) -> list[Scan]:
        """Every scan of the plan."""
        return [scan for thread in self.plan for scan in thread]

    def start(self) -> None:
        """Start every thread."""
        for thread in self.threads:
            thread.start()

    def answered(self, status: int | None = None) -> int:
        """Scans acknowledged so far (with that status only, if given)."""
        with self.lock:
            return self.answers[status] if status else sum(self.answers.values())

    def join(self) -> None:
        """Wait for every thread; each gives a scan up after GIVE_UP_S without an answer."""
        for thread in self.threads:
            thread.join()
        assert not self.errors, self.errors

    def _run(self, scans: list[Scan]) -> None:
        try:
            with httpx.Client(timeout=30) as http:
                for scan in scans:
                    self._send(http, scan)
        except BaseException as error:  # noqa: B036 - reported by join(), not lost in a thread
            self.errors.append(error)

    def _send(self, http: httpx.Client, scan: Scan) -> None:
        path = f"{self.url}/shipments/{scan.sscc}/checkpoints"
        deadline = time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            try:
                response = http.post(path, json=scan.body, headers=self.headers)
            except httpx.TransportError:
                scan.cut_off += 1  # no answer: the tracker is down, send it again
                time.sleep(0.1)
                continue
            if response.status_code in (201, 202):
                scan.status, scan.answer = response.status_code, response.json()
                scan.kills_before = self.kills
                with self.lock:
                    self.answers[response.status_code] += 1
                return
            scan.refusals.append(f"{response.status_code} {response.text[:200]}")
            if response.status_code < 500 and "COMMIT_INVALID" not in response.text:
                return  # refused for good: the test reports it
            time.sleep(0.1)  # not acknowledged (503, MVCC conflicts): send it again


Wait = Callable[[Callable[[], bool], str], object]
"""Polls a check until it holds, failing with the thing waited for after a bound."""


def settled_answers(http: httpx.Client, url: str, scans: list[Scan], wait: Wait) -> dict[str, Any]:
    """Each scan's first result: its 201 answer, else the queued scan's committed answer
    (`wait` polls until every queued scan is committed; an acknowledged one is never rejected)."""
    first = {s.scan_id: s.answer for s in scans if s.status == 201}

    def queue_committed() -> bool:
        for scan in scans:
            if scan.scan_id not in first:
                found = http.get(f"{url}/scans/{scan.scan_id}").json()
                if found["state"] != "committed":
                    assert found["state"] == "pending", found  # never rejected
                    return False
                first[scan.scan_id] = found["answer"]
        return True

    wait(queue_committed, "every queued scan committed")
    return first
