#!/usr/bin/env python3
"""SQLite FTS5 doing the target request of the performance issue, in process, for comparison.

Every word must match title or description (porter stemming); top 10 by bm25 with the title
highlighted and a description snippet; counts by decade, year and company over all matches.
Prints the build time and p50 and p99 in ms over the benchmark queries, like the Go benchmarks.

    scripts/fts5-bench.py [corpus.jsonl] [queries.txt] [rounds]

By default every query is asked once to warm up and then `rounds` times. With --first-time, the
way internal/perf's BenchmarkFirstQuery times searchd, the queries of --warm are asked first and
then each benchmark query exactly once. --json prints one JSON object instead of the sentence,
and rounds 0 only builds. With --serve, after the build and the --warm queries it prints the
JSON object, then reads queries from standard input, one a line, and answers each with its
latency in ms: BenchmarkFirstQuery asks searchd and FTS5 each query in turn, side by side.
"""
import argparse, json, resource, sqlite3, sys, time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("corpus", nargs="?", default="../shared/data/wikipedia-american-films.jsonl")
ap.add_argument("queries", nargs="?", default="../shared/data/benchmark-queries.txt")
ap.add_argument("rounds", nargs="?", type=int, default=40)
ap.add_argument("--first-time", action="store_true", help="time each query once, after the --warm queries")
ap.add_argument("--warm", help="file of warm-up queries, one a line (with --first-time)")
ap.add_argument("--json", action="store_true", help="print one JSON object")
ap.add_argument("--serve", action="store_true", help="after --warm, time the queries read from stdin")
args = ap.parse_args()

db = sqlite3.connect(":memory:")
db.execute("create virtual table films using fts5(title, description, tokenize='porter unicode61')")
db.execute("create table facets(id integer primary key, decade text, year text)")
db.execute("create table companies(id integer, company text)")
db.execute("create index companies_id on companies(id)")
t0 = time.perf_counter()
films = 0
with open(args.corpus) as f:
    for i, line in enumerate(f, 1):
        r = json.loads(line)
        db.execute("insert into films(rowid, title, description) values (?, ?, ?)", (i, r["title"], r.get("description", "")))
        db.execute("insert into facets values (?, ?, ?)", (i, f"{r['year'] // 10 * 10}s", str(r["year"])))
        for c in r.get("companies") or []:
            db.execute("insert into companies values (?, ?)", (i, c))
        films = i
db.execute("insert into films(films) values ('optimize')")
db.commit()
build = time.perf_counter() - t0


def lines(path):
    with open(path) as f:
        return [q.strip() for q in f if q.strip()]


qs = lines(args.queries)


def search(q):
    match = " AND ".join('"%s"' % w.replace('"', "") for w in q.split())
    hits = db.execute(
        "select rowid, highlight(films, 0, '<mark>', '</mark>'), snippet(films, 1, '<mark>', '</mark>', '…', 24)"
        " from films where films match ? order by bm25(films) limit 10", (match,)).fetchall()
    ids = "select rowid from films where films match ?"
    db.execute(f"select decade, count(*) from facets where id in ({ids}) group by decade", (match,)).fetchall()
    db.execute(f"select year, count(*) c from facets where id in ({ids}) group by year order by c desc limit 10", (match,)).fetchall()
    db.execute(f"select company, count(*) c from companies where id in ({ids}) group by company order by c desc limit 10", (match,)).fetchall()
    return hits


def timed(q):
    t = time.perf_counter()
    search(q)
    return time.perf_counter() - t


# ru_maxrss is in KiB on Linux.
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


if args.serve:
    for q in lines(args.warm) if args.warm else []:
        search(q)
    print(json.dumps({"films": films, "build_s": build, "peak_rss_mb": rss()}), flush=True)
    for line in sys.stdin:
        print(f"{timed(line.rstrip(chr(10))) * 1000:.6f}", flush=True)
    sys.exit(0)

lat = []
if args.first_time:
    for q in lines(args.warm) if args.warm else []:
        search(q)
    lat = [timed(q) for q in qs]
elif args.rounds > 0:
    for q in qs:
        search(q)
    lat = [timed(q) for _ in range(args.rounds) for q in qs]
lat.sort()


def p(x):
    return lat[int(x * (len(lat) - 1))] * 1000 if lat else 0.0


if args.json:
    json.dump({"films": films, "build_s": build, "peak_rss_mb": rss(), "p50_ms": p(0.5), "p99_ms": p(0.99),
               "requests": len(lat)}, sys.stdout)
    print()
else:
    print(f"fts5 {films} films: build {build:.1f} s, peak RSS {rss():.0f} MB; "
          f"search p50 {p(0.5):.3f} ms p99 {p(0.99):.3f} ms over {len(lat)} requests")
