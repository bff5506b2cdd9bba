# The table of benchmarks/README.md's pinned paired forks (session 19):
#   python3 benchmarks/results/agent-paired-pinned-s19/table.py benchmarks/results/agent-paired-pinned-s19
# As agent-paired-s17/table.py, with a bootstrap interval of the median of the paired ratios (resampling the pairs).
import json, glob, random, statistics as st, re, sys
DIR = sys.argv[1] if len(sys.argv) > 1 else 'benchmarks/results/agent-paired-pinned-s19'
random.seed(1)
def load(tag):
    runs = {}
    for f in glob.glob(f'{DIR}/{tag}-*-*.json'):
        m = re.search(r'-(\d+)-(no|agent)\.json$', f)
        i, mode = int(m.group(1)), m.group(2)
        try:
            results = json.load(open(f))
        except ValueError:
            continue  # a fork still running
        for b in results:
            runs.setdefault(b['benchmark'].split('.')[-1], {}).setdefault(i, {})[mode] = b['primaryMetric']['score']
    return runs
order = ['submitGet', 'supplyAsyncJoin', 'chainOfThree', 'supplyAsyncOnCommonPoolJoin', 'burstSubmitGet', 'gatedBurstSubmitGet',
         'completedThenApplyJoin', 'futureTaskRunGetOnCaller', 'supplyAsyncJoinOnCaller', 'chainOfThreeOnCaller']
def fmt(x):
    return f'{x:,.0f}' if x >= 1000 else (f'{x:.1f}' if x >= 10 else f'{x:.3f}')
for tag in ['jdk17', 'jdk25']:
    runs = load(tag)
    if not runs:
        continue
    print(f'\n{tag}')
    print('| benchmark | no agent, median ns/op (min – max) | agent, median ns/op (min – max) | ratio of medians (95 % CI) | median of paired ratios (95 % CI) | pairs slower by > 5 % |')
    print('|---|---|---|---|---|---|')
    for name in order:
        if name not in runs:
            continue
        p = [(v['no'], v['agent']) for i, v in sorted(runs[name].items()) if 'no' in v and 'agent' in v]
        no = [a for a, b in p]; ag = [b for a, b in p]
        boots = sorted(st.median(random.choices(ag, k=len(ag))) / st.median(random.choices(no, k=len(no))) for _ in range(10000))
        r = [b / a for a, b in p]
        pboots = sorted(st.median(random.choices(r, k=len(r))) for _ in range(10000))
        print(f'| {name} | {fmt(st.median(no))} ({fmt(min(no))} – {fmt(max(no))}) | {fmt(st.median(ag))} ({fmt(min(ag))} – {fmt(max(ag))}) '
              f'| {st.median(ag)/st.median(no):.2f} ({boots[250]:.2f} – {boots[9749]:.2f}) | {st.median(r):.2f} ({pboots[250]:.2f} – {pboots[9749]:.2f}) '
              f'| {sum(1 for x in r if x > 1.05)} of {len(r)} |')
