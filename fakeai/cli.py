"""``fakeai serve``: the emulator as a standalone HTTP server, for any language or process; and the
hooks of ``fakeai validate`` and ``fakeai replay`` (their own modules: contract/validate_cli.py,
contract/replay_cli.py)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from .app import MAX_JSON_BODY
from .contract import replay_cli
from .contract.recording import LineWriter, Recorder
from .contract import validate_cli
from .emulator import FakeOpenAI
from .journal import DEFAULT_JOURNAL_SIZE
from .quirks import QUIRKS
from .store import MAX_FILE_BYTES
from .resources.progression import parse_progression
from .server import DEFAULT_ENGINE, ENGINES, THREADS, EngineMissing, ServerThread
from .streaming import DEFAULT_CHUNK_SIZE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakeai", description="Offline OpenAI Assistants Threads API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    serve.add_argument("--seed", default="0", help="seed of the id generators (default 0)")
    serve.add_argument("--api-key", action="append", dest="api_keys", metavar="KEY",
                       help="accept only this key (repeatable); by default any non-empty key works")
    serve.add_argument("--model", action="append", dest="models", metavar="NAME",
                       help="accept only this model name (repeatable); by default every model the "
                            "spec lists")
    serve.add_argument("--progression", default="immediate", type=progression,
                       help="how far a run moves each time its thread is touched: immediate (default), "
                            "reads:N or seconds:N")
    serve.add_argument("--stream-chunk-size", type=positive, default=DEFAULT_CHUNK_SIZE, metavar="N",
                       help=f"characters per streamed text delta (default {DEFAULT_CHUNK_SIZE})")
    serve.add_argument("--max-file-bytes", type=positive, default=MAX_FILE_BYTES, metavar="N",
                       help="the largest file an upload may carry; larger bodies are refused unread "
                            f"(default {MAX_FILE_BYTES}, the API's 512 MB)")
    serve.add_argument("--max-body", type=positive, default=MAX_JSON_BODY, metavar="N",
                       help="the largest JSON request body; larger bodies are refused unread with a 413 "
                            f"(default {MAX_JSON_BODY}, 25 MiB; uploads are bounded by --max-file-bytes)")
    serve.add_argument("--quirk", action="append", dest="quirks", metavar="NAME", choices=sorted(QUIRKS),
                       help="use this observed form of the real API instead of the default one "
                            f"(repeatable): {', '.join(sorted(QUIRKS))}")
    serve.add_argument("--real-clock", action="store_true",
                       help="timestamps follow the wall clock instead of fakeai's deterministic clock")
    serve.add_argument("--shared", action="store_true",
                       help="one state for every API key (by default each key and OpenAI-Project header "
                            "has its own, so parallel suites do not see each other's objects)")
    serve.add_argument("--journal-size", type=positive, default=DEFAULT_JOURNAL_SIZE, metavar="N",
                       help="requests each key's journal keeps, the oldest dropped first "
                            f"(default {DEFAULT_JOURNAL_SIZE:,})")
    serve.add_argument("--tenant-ttl", type=seconds, default=None, metavar="SECONDS",
                       help="forget a key's objects and journal once it has been unused this long "
                            "(default: never)")
    serve.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                       help=f"the HTTP server (default {DEFAULT_ENGINE}, a production server; granian, "
                            "the 'granian' extra, answers two to five times as many requests a second but "
                            "answers malformed HTTP without the API's envelope and does not time out a body "
                            "still arriving; werkzeug is werkzeug's development server, much slower)")
    serve.add_argument("--threads", type=positive, default=None, metavar="N",
                       help=f"requests served at once (default {THREADS}; waitress and granian). A stream or a "
                            "sleeping latency fault holds one for its length, and the rest wait once all are "
                            "held; on granian fewer threads answer more requests a second (benchmarks/server.py)")
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.add_argument("--record", metavar="FILE",
                       help="write every API request and its answer to FILE as they are served (fakeai's JSON "
                            "Lines traffic format, a flushed line each), for fakeai replay and fakeai validate")
    serve.set_defaults(run=serve_command)
    replay_cli.add_command(commands, progression)
    validate_cli.add_parser(commands)
    return parser


def progression(text: str) -> str:
    try:
        parse_progression(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, not {text!r}")
    return int(text)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, not {text!r}")
    return value


def seed_value(text: str):
    return int(text) if text.lstrip("-").isdigit() else text


def serve_command(args) -> int:
    if args.threads is not None and args.engine == "werkzeug":
        print("fakeai serve: error: --threads: werkzeug's development server starts a thread per connection "
              "and has no count to set; use --engine waitress or --engine granian", file=sys.stderr)
        return 2
    recording = None
    if args.record:
        try:
            recording = LineWriter(open(args.record, "w", encoding="utf-8"))
        except OSError as error:
            print(f"fakeai serve: error: --record {args.record}: cannot write it: {error.strerror}",
                  file=sys.stderr)
            return 2
    try:
        return serve(args, recording)
    finally:
        if recording is not None:
            recording.close()


def serve(args, recording: LineWriter | None = None) -> int:
    emulator = FakeOpenAI(seed=seed_value(args.seed), api_keys=args.api_keys, models=args.models,
                          progression=args.progression, real_clock=args.real_clock, namespaced=not args.shared,
                          stream_chunk_size=args.stream_chunk_size, bugs="respond",
                          max_file_bytes=args.max_file_bytes, max_body=args.max_body, quirks=args.quirks,
                          journal_size=args.journal_size, tenant_ttl=args.tenant_ttl)
    if recording is not None:
        Recorder(recording).attach(emulator.app)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        server = ServerThread(emulator.app, args.host, args.port, engine=args.engine, log_requests=not args.quiet,
                              threads=args.threads or THREADS)
    except EngineMissing as missing:
        print(f"fakeai serve: {missing}", file=sys.stderr)
        return 2

    def stop(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut the stop short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    # Set explicitly: a shell starts a background job (``fakeai serve &``) with SIGINT ignored.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        with server:  # announced only once Ctrl-C and SIGTERM are sure to end in a clean stop
            print(server.base_url, flush=True)
            while server.thread.is_alive():
                server.thread.join(0.5)
    except KeyboardInterrupt:
        pass
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
