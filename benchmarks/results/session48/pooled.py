import json,sys,random,statistics as st
# usage: table.py JDK label=file[,file...] ...   -- one row per benchmark: each labelled run's median of fork ratios, then all pooled
random.seed(48)
jdk=sys.argv[1]; groups=[a.split('=',1) for a in sys.argv[2:]]
def forks(files):
    out={}
    for f in files.split(','):
        for b in json.load(open(f)):
            sm=b['secondaryMetrics']; d=sm['disabledMillis']['rawData']; s=sm['starterMillis']['rawData']
            c=out.setdefault(b['benchmark'].split('.')[-1],{'f':[],'i':[]})
            c['f']+=[sum(s[i])/sum(d[i]) for i in range(len(d))]
            c['i']+=[si/di for fd,fs in zip(d,s) for di,si in zip(fd,fs)]
    return out
data=[(l,forks(f)) for l,f in groups]
pool={}
for l,d in data:
    for k,c in d.items():
        p=pool.setdefault(k,{'f':[],'i':[]}); p['f']+=c['f']; p['i']+=c['i']
print('| path | JDK | '+' | '.join(l for l,_ in data)+' | pooled forks | pooled median (95 % CI) | forks over 1.5× | iterations over 1.5× | iterations, range |')
print('|---|---|'+'---|'*len(data)+'---|---|---|---|---|')
for k in ['submitCompletableJoin','submitGet']:
    p=pool[k]; n=len(p['f'])
    boots=sorted(st.median(random.choices(p['f'],k=n)) for _ in range(20000))
    cells=['%.2f'%st.median(d[k]['f']) if k in d else '–' for _,d in data]
    print('| %s | %s | %s | %d | %.2f (%.2f – %.2f) | %d of %d | %d of %d | %.2f – %.2f |'%(k,jdk,' | '.join(cells),n,st.median(p['f']),boots[500],boots[19499],
        sum(r>1.5 for r in p['f']),n,sum(r>1.5 for r in p['i']),len(p['i']),min(p['i']),max(p['i'])))
