import json, glob, re, statistics as st, sys
DIR = sys.argv[1] if len(sys.argv) > 1 else 'benchmarks/results/agent-stage-advice-s17'
d={}
for f in glob.glob(DIR + '/*.json'):
    m=re.search(r'(\d+)-(\w+)\.json$',f); i,mode=int(m.group(1)),m.group(2)
    try: data=json.load(open(f))
    except Exception: continue
    for b in data:
        name=b['benchmark'].split('.')[-1]
        alloc=b['secondaryMetrics'].get('gc.alloc.rate.norm',{}).get('score')
        d.setdefault(name,{}).setdefault(mode,[]).append((i,b['primaryMetric']['score'],alloc))
for name in d:
    print(name)
    for mode in ['no','old','new']:
        v=sorted(d[name].get(mode,[]))
        if v: print(f'  {mode:4s} median {st.median(x[1] for x in v):8.2f} ns  B/op {st.median(x[2] for x in v):6.2f}   ' + ' '.join(f'{x[1]:.1f}' for x in v))
