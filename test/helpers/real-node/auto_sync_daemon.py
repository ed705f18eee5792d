"""Stand-in for app.coordination.auto_sync_daemon on the real-node fixture (§4.4).

force_full_sync() logs its start, records its pid in ~/.realnode/full-syncs, then waits until
the test creates ~/.realnode/release-sync (at most 60 s) before it logs completion, so a test
can see that the catalog's command returned while the sync was still running (detached).
"""

import asyncio
import os
import time

RECORDS = os.path.expanduser("~/.realnode")


class AutoSyncDaemon:
    async def force_full_sync(self):
        os.makedirs(RECORDS, exist_ok=True)
        with open(os.path.join(RECORDS, "full-syncs"), "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        print("full sync started", flush=True)
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(RECORDS, "release-sync")) and time.time() < deadline:
            await asyncio.sleep(0.1)
        print("full sync complete", flush=True)
