import sys,collections
self_=collections.Counter(); incl=collections.Counter(); n=0
for line in open(sys.argv[1]):
    stack,cnt=line.rsplit(' ',1); cnt=int(cnt)
    frames=stack.split(';')
    if not frames[0].startswith('[DestroyJavaVM'): continue
    if not any(sys.argv[2].replace('.','/') in f.replace('.','/') for f in frames): continue
    # keep only frames below the submit loop
    idx=max(i for i,f in enumerate(frames) if sys.argv[2].replace('.','/') in f.replace('.','/'))
    sub=frames[idx:]
    n+=cnt
    self_[sub[-1]]+=cnt
    for f in set(sub): incl[f]+=cnt
print("samples",n)
for f,c in self_.most_common(int(sys.argv[3]) if len(sys.argv)>3 else 30): print("self %5d %5.1f%% %s"%(c,100*c/n,f))
print()
for f,c in incl.most_common(70): print("incl %5d %5.1f%% %s"%(c,100*c/n,f))
