import json,sys,statistics as st
for f in sys.argv[1:]:
    for b in json.load(open(f)):
        sm=b['secondaryMetrics']; d=sm['disabledMillis']['rawData']; s=sm['starterMillis']['rawData']
        forks=[sum(s[i])/sum(d[i]) for i in range(len(d))]
        its=[si/di for fd,fs in zip(d,s) for di,si in zip(fd,fs)]
        over=sum(1 for r in its if r>1.5)
        print(f.split('/')[-1], b['benchmark'].split('.')[-1], 'forks', ', '.join('%.2f'%r for r in forks), '| median %.2f'%st.median(forks), '| sums %.2f'%(sum(map(sum,s))/sum(map(sum,d))), '| it-median %.2f'%st.median(its), '| over 1.5: %d of %d'%(over,len(its)))
