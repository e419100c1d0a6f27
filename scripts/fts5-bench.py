#!/usr/bin/env python3
"""SQLite FTS5 doing the target request of the performance issue, in process, for comparison.

Every word must match title or description (porter stemming); top 10 by bm25 with the title
highlighted and a description snippet; counts by decade, year and company over all matches.
Prints p50 and p99 in ms over the benchmark queries, like the Go benchmarks. Usage:
    scripts/fts5-bench.py [corpus.jsonl] [queries.txt] [rounds]
"""
import json, sqlite3, sys, time

corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/wikipedia-american-films.jsonl"
queries = sys.argv[2] if len(sys.argv) > 2 else "../shared/data/benchmark-queries.txt"
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 40

db = sqlite3.connect(":memory:")
db.execute("create virtual table films using fts5(title, description, tokenize='porter unicode61')")
db.execute("create table facets(id integer primary key, decade text, year text)")
db.execute("create table companies(id integer, company text)")
db.execute("create index companies_id on companies(id)")
t0 = time.perf_counter()
with open(corpus) as f:
    for i, line in enumerate(f, 1):
        r = json.loads(line)
        db.execute("insert into films(rowid, title, description) values (?, ?, ?)", (i, r["title"], r.get("description", "")))
        db.execute("insert into facets values (?, ?, ?)", (i, f"{r['year'] // 10 * 10}s", str(r["year"])))
        for c in r.get("companies") or []:
            db.execute("insert into companies values (?, ?)", (i, c))
db.execute("insert into films(films) values ('optimize')")
db.commit()
build = time.perf_counter() - t0

qs = [q.strip() for q in open(queries) if q.strip()]

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

for q in qs:
    search(q)
lat = []
for _ in range(rounds):
    for q in qs:
        t = time.perf_counter()
        search(q)
        lat.append(time.perf_counter() - t)
lat.sort()
p = lambda x: lat[int(x * (len(lat) - 1))] * 1000
print(f"fts5 build {build:.1f} s; search p50 {p(0.5):.3f} ms p99 {p(0.99):.3f} ms over {len(lat)} requests")
