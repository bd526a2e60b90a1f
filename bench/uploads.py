"""Upload memory: the peak RSS of a server process handling one large upload, 10 MB → 1 GB.

For each size (``--sizes``, MiB; default 10, 100, 1024) and each variant, a **fresh** server
process (``tinhso runserver --noreload`` with ``bench.settings`` on a copy of a SQLite database
holding the test cast) is started with ``TINHSO_UPLOAD_MAX_BYTES`` raised above the size, and:

1. a citizen takes a Bearer token (``POST /api/v1/auth/token``) and files a dossier
   (``POST /api/v1/dossiers``);
2. **baseline**: the same attachment request with a 64 KiB PDF
   (``POST /api/v1/dossiers/{code}/attachments``, multipart); the server's ``VmHWM`` is read from
   ``/proc/<pid>/status`` afterwards: the process with everything imported and one upload done;
3. **the large upload**: the same request with a valid PDF of the size (one page whose content
   stream is plain drawing operators, written to disk by this script), sent from the file in
   1 MiB pieces by ``http.client``; ``VmHWM`` again, and the time the request took. The answer
   must be 201 with the file's SHA-256, and the stored attachment must have the file's size.

The figure is the growth of the peak, ``VmHWM`` after 3 minus after 2. The request goes through
the whole stack: the WSGI server, every middleware (the CSRF check and ``MalformedInputMiddleware``
parse the body), the upload handlers of settings, the API view, ``check_upload``, the dossier
service and the file storage.

Variants: ``streaming`` (the code as it is) and ``old`` (the read-everything path before issue
14, ``OLD_COMMIT``: Django's default upload handlers and the old ``check_upload``, loaded from git
and put in the API view's place in the server process), run up to ``--old-up-to`` MiB (default
100: at 1 GB it needs two to three GB of memory).

Usage: ``make bench-uploads`` or ``.venv/bin/python -m bench.uploads [--sizes 10,100,1024]`` from
the repository's root. Not part of CI. Prints Markdown and writes ``bench/results/uploads-<timestamp>.json``.
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.run import (  # noqa: E402
    Server,
    base_env,
    call,
    free_port,
    load_average,
    log,
    tinhso_command,
    vm_hwm_kib,
)

RESULTS = ROOT / "bench" / "results"
OLD_COMMIT = "e5eb54d"  # the last commit whose uploads were read whole into memory
MIB = 1024 * 1024
FORM_DATA = {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1995-03-02", "so_ban": 1}
REQUEST_TIMEOUT = 1800.0


# --- the PDF ------------------------------------------------------------------------------------


def write_pdf(path: Path, size: int) -> None:
    """A valid one-page PDF of ``size`` bytes, written in 1 MiB pieces: its content stream is
    drawing operators (no binary data: see docs/benchmarks.md, "Upload memory")."""
    rng = random.Random(14)
    block = "".join(
        f"{rng.randint(0, 595)} {rng.randint(0, 842)} m {rng.randint(0, 595)} {rng.randint(0, 842)} l S\n"
        for _ in range(60_000)
    ).encode()[:MIB]
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    objects = [
        b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n",
        b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n",
        b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>\nendobj\n",
    ]
    fixed = len(head) + sum(map(len, objects)) + 400  # the stream's frame, xref and trailer
    length = max(1024, size - fixed)
    with path.open("wb") as out:
        offsets = []
        out.write(head)
        for obj in objects:
            offsets.append(out.tell())
            out.write(obj)
        offsets.append(out.tell())
        out.write(b"4 0 obj\n<</Length %d>>\nstream\n" % length)
        left = length
        while left:
            piece = block[: min(left, len(block))]
            if len(piece) == left and not piece.endswith(b"\n"):
                piece = piece[:-1] + b"\n"
            out.write(piece)
            left -= len(piece)
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 5\n0000000000 65535 f \n")
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(b"trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(MIB):
            digest.update(piece)
    return digest.hexdigest()


# --- the request --------------------------------------------------------------------------------


def post_file(port: int, path: str, token: str, pdf: Path) -> tuple[int, Any, float]:
    """``POST`` a multipart form (``document=TK``, ``file=<pdf>``), the file sent from disk in
    1 MiB pieces; (status, JSON answer, seconds)."""
    boundary = uuid.uuid4().hex
    before = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"\r\n\r\nTK\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{pdf.name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    after = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    started = time.monotonic()
    try:
        conn.putrequest("POST", path)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(len(before) + pdf.stat().st_size + len(after)))
        conn.endheaders()
        conn.send(before)
        with pdf.open("rb") as source:
            while piece := source.read(MIB):
                conn.send(piece)
        conn.send(after)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    elapsed = time.monotonic() - started
    try:
        return response.status, json.loads(raw), elapsed
    except ValueError:
        return response.status, raw.decode(errors="replace")[:500], elapsed


# --- the server process -------------------------------------------------------------------------


def serve(port: int, variant: str) -> None:
    """Run in the server process: ``runserver`` in this process, with the old path swapped in
    for the ``old`` variant."""
    import django

    django.setup()
    if variant == "old":
        from django.conf import global_settings, settings

        import tinhso.dossiers.api as dossiers_api

        settings.FILE_UPLOAD_HANDLERS = global_settings.FILE_UPLOAD_HANDLERS
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = global_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        source = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:src/tinhso/uploads.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        old = types.ModuleType("tinhso_old_uploads")
        exec(compile(source, "tinhso_old_uploads.py", "exec"), old.__dict__)
        dossiers_api.check_upload = old.check_upload
    from django.core.management import call_command

    call_command("runserver", "--noreload", f"127.0.0.1:{port}")


class UploadServer(Server):
    """``bench.run.Server``, started through ``serve`` above."""

    def __init__(self, env: dict[str, str], log_path: Path, variant: str) -> None:
        self.port = free_port()
        self.log = log_path
        self._log_file = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.uploads", "--serve", variant, "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )


# --- one measurement ----------------------------------------------------------------------------


def prepare_database(work: Path) -> Path:
    """A migrated SQLite database with the test cast, copied for every server."""
    var_dir = work / "template"
    var_dir.mkdir()
    env = base_env("sqlite", var_dir)
    subprocess.run([*tinhso_command(), "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run(
        [*tinhso_command(), "shell", "-c", "from tinhso.testing import make_cast; make_cast()"],
        env=env,
        check=True,
    )
    return var_dir / "tinhso.sqlite3"


def measure(work: Path, template: Path, variant: str, size_mib: int) -> dict[str, Any]:
    run_dir = work / f"{variant}-{size_mib}"
    (run_dir / "tmp").mkdir(parents=True)
    shutil.copyfile(template, run_dir / "tinhso.sqlite3")
    pdf, small = work / f"upload-{size_mib}.pdf", work / "small.pdf"
    if not pdf.exists():
        write_pdf(pdf, size_mib * MIB)
    if not small.exists():
        write_pdf(small, 64 * 1024)
    env = base_env("sqlite", run_dir)
    env["TINHSO_UPLOAD_MAX_BYTES"] = str(max(size_mib * MIB * 3 // 2, 10 * MIB))
    env["TMPDIR"] = str(run_dir / "tmp")  # Django's temporary upload files
    server = UploadServer(env, run_dir / "server.log", variant)
    result: dict[str, Any] = {"variant": variant, "size_mib": size_mib}
    try:
        server.wait_ready()
        status, body = call(
            server.port,
            "POST",
            "/api/v1/auth/token",
            {"username": "citizen1", "password": "pw"},
        )
        assert status == 200, body
        token = body["token"]
        status, body = call(
            server.port,
            "POST",
            "/api/v1/dossiers",
            {"procedure": "2.000001", "data": FORM_DATA},
            {"Authorization": f"Bearer {token}"},
        )
        assert status == 201, body
        path = f"/api/v1/dossiers/{body['code']}/attachments"
        status, body, _elapsed = post_file(server.port, path, token, small)
        assert status == 201, body
        baseline = vm_hwm_kib(server.process.pid) or 0
        load_before = load_average()
        status, body, elapsed = post_file(server.port, path, token, pdf)
        server.alive()
        peak = vm_hwm_kib(server.process.pid) or 0
        ok = status == 201 and body.get("sha256") == sha256_of(pdf)
        ok = ok and body.get("size") == pdf.stat().st_size
        result |= {
            "file_bytes": pdf.stat().st_size,
            "status": status,
            "accepted_with_right_sha256_and_size": ok,
            "baseline_vmhwm_kib": baseline,
            "peak_vmhwm_kib": peak,
            "growth_mib": round((peak - baseline) / 1024, 1),
            "seconds": round(elapsed, 2),
            "load_average_1min": [load_before, load_average()],
        }
        if not ok:
            result["answer"] = body
    finally:
        server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| size | variant | answer | baseline VmHWM | peak VmHWM | growth | request s | load (1 min) before → after |",
        "|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(
                f"| {row['size_mib']} MiB | {row['variant']} | FAILED: {row['error'][:120]} | | | | | |"
            )
            continue
        answer = f"{row['status']}" + (
            " (sha256 ✓)" if row["accepted_with_right_sha256_and_size"] else " ✗"
        )
        before, after = row["load_average_1min"]
        lines.append(
            f"| {row['size_mib']} MiB | {row['variant']} | {answer} "
            f"| {row['baseline_vmhwm_kib'] / 1024:.1f} MiB | {row['peak_vmhwm_kib'] / 1024:.1f} MiB "
            f"| **+{row['growth_mib']} MiB** | {row['seconds']} | {before:.2f} → {after:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,100,1024", help="file sizes in MiB, comma-separated")
    parser.add_argument(
        "--old-up-to", type=int, default=100, help="largest size (MiB) run on the old path too"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.serve)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="tinhso-bench-uploads-"))
    rows: list[dict[str, Any]] = []
    try:
        log("preparing the database")
        template = prepare_database(work)
        for size in sizes:
            for variant in ("streaming", "old"):
                if variant == "old" and size > args.old_up_to:
                    continue
                log(f"[{variant} {size} MiB] measuring")
                try:
                    rows.append(measure(work, template, variant, size))
                except Exception as exc:
                    rows.append({"variant": variant, "size_mib": size, "error": repr(exc)})
                log(f"[{variant} {size} MiB] {rows[-1]}")
            (work / f"upload-{size}.pdf").unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "kernel": platform.release(),
            "python": platform.python_version(),
            "loadavg": Path("/proc/loadavg").read_text().strip(),
        },
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"uploads-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(markdown(rows))
    return (
        0 if all("error" not in r and r["accepted_with_right_sha256_and_size"] for r in rows) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
