"""A reference model of Airflow's task-instance states, for dagd's model test.

Written from Airflow's own rules (not from agent/runner.c):
- trigger_rule_dep.py: each rule's verdict on the finished direct upstreams
  (success, failed, skipped, upstream_failed), with flag_upstream_failed on,
  as the scheduler evaluates it: a rule may decide skipped / upstream_failed
  before every upstream is done, and `always` and root tasks run at once.
- skipmixin.py skip_all_except: a branch that succeeds skips the direct
  downstream tasks it did not name, except those downstream of a named task
  (the "empty branch" join); the skip is an unconditional update; the
  followed list is kept (XCom) for not_previously_skipped_dep.
- not_previously_skipped_dep.py: a task whose direct upstream branch has
  finished and did not follow it is skipped again (after a clear).
- prev_dagrun_dep.py: depends_on_past runs only when the same task in the
  previous run (by logical date) is success or skipped; a first run may go.
- taskinstance.py clear_task_instances: state back to none, a fresh retry
  budget (retries + 1 more tries), try numbers go on; finished runs reopen.
- mark_tasks.py set_state + dag.set_task_instance_state: the selection is set
  to the state, then the failed / upstream_failed tasks downstream of the
  chosen task (in the same run range, the chosen task excluded) are cleared.
- dagrun.py update_state: a run is finished only when no task instance is
  unfinished; failed if a leaf is failed / upstream_failed, else success; a
  run whose unfinished tasks wait on depends_on_past stays running.

Where Airflow's outcome depends on timing the model allows each outcome and
takes the one the agent shows (`choose`), so that one order is checked the
way it happened. Situations where even that cannot tell (a branch skipping
a task that already ran) make the run `unsure` and it is no longer compared.
"""

FINISHED = ("success", "failed", "skipped", "upstream_failed")
RULES = (
    "all_success",
    "all_failed",
    "all_done",
    "all_skipped",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
)


class Task:
    def __init__(self, tid, up, rule="all_success", retries=0, branch=False, dop=False):
        self.id = tid
        self.up = list(up)
        self.rule = rule
        self.retries = retries
        self.branch = branch
        self.dop = dop
        # Per run index: first try number that succeeds (None: never), and
        # for a branch the names its successful try prints.
        self.succeed_from = {}
        self.follow = {}


class Dag:
    def __init__(self, tasks):
        self.tasks = tasks  # topological order
        self.by_id = {t.id: t for t in tasks}
        self.down = {t.id: [] for t in tasks}
        for t in tasks:
            for u in t.up:
                self.down[u].append(t.id)
        self.leaves = [t.id for t in tasks if not self.down[t.id]]

    def descendants(self, tid):
        out, todo = set(), [tid]
        while todo:
            for d in self.down[todo.pop()]:
                if d not in out:
                    out.add(d)
                    todo.append(d)
        return out

    def ancestors(self, tid):
        out, todo = set(), [tid]
        while todo:
            for u in self.by_id[todo.pop()].up:
                if u not in out:
                    out.add(u)
                    todo.append(u)
        return out


class TI:
    def __init__(self):
        self.state = "none"
        self.tries = 0  # try number of the last try
        self.budget_from = 0  # tries before the last clear
        self.followed = None  # the branch's XCom: direct downstream followed


def rule_verdict(rule, ups, n_up):
    """Airflow's verdict for a task in state none: a set of possible
    outcomes among run / skipped / upstream_failed / wait. `ups` are the
    states of the finished direct upstreams."""
    if n_up == 0 or rule == "always":
        return {"run"}
    s = ups.count("success")
    sk = ups.count("skipped")
    f = ups.count("failed")
    uf = ups.count("upstream_failed")
    done = len(ups) >= n_up
    if rule == "all_success":
        # Failed first gives upstream_failed, skipped first skipped: when
        # both are there, either may have been seen first.
        out = set()
        if f or uf:
            out.add("upstream_failed")
        if sk:
            out.add("skipped")
        if out:
            return out
        return {"run"} if s == n_up else {"wait"}
    if rule == "all_failed":
        if s or sk:
            return {"skipped"}
        return {"run"} if f + uf == n_up else {"wait"}
    if rule == "one_success":
        if s:
            return {"run"}
        if done:
            return {"skipped"} if sk == n_up else {"upstream_failed"}
        return {"wait"}
    if rule == "one_failed":
        if f or uf:
            return {"run"}
        return {"skipped"} if done else {"wait"}
    if rule == "one_done":
        if s or f:
            return {"run"}
        return {"skipped"} if done else {"wait"}
    if rule == "none_failed":
        if f or uf:
            return {"upstream_failed"}
        return {"run"} if done else {"wait"}
    if rule == "none_failed_min_one_success":
        if f or uf:
            return {"upstream_failed"}
        if sk == n_up:
            return {"skipped"}
        return {"run"} if done else {"wait"}
    if rule == "none_skipped":
        if sk:
            return {"skipped"}
        return {"run"} if done else {"wait"}
    if rule == "all_skipped":
        if s or f or uf:
            return {"skipped"}
        return {"run"} if sk == n_up else {"wait"}
    if rule == "all_done":
        return {"run"} if done else {"wait"}
    raise ValueError(rule)


class Model:
    """The task instances of one DAG's runs (index = logical-date order)."""

    def __init__(self, dag, n_runs, known=()):
        self.dag = dag
        self.n_runs = n_runs
        self.known = set(known)
        self.tis = [{t.id: TI() for t in dag.tasks} for _ in range(n_runs)]
        self.unsure = [None] * n_runs  # why a run can no longer be compared
        self.mismatch = []

    # -- the scheduler ------------------------------------------------------

    def settle(self, choose):
        """Run every run to quiescence. choose(run, task, allowed) returns
        the state to take among `allowed` (the agent's, when it is one)."""
        for r in range(self.n_runs):
            changed = True
            while changed:
                changed = False
                for t in self.dag.tasks:
                    if self.tis[r][t.id].state == "none" and self._step(r, t, choose):
                        changed = True

    def _past_ok(self, r, t):
        if not t.dop or r == 0:
            return True
        return self.tis[r - 1][t.id].state in ("success", "skipped")

    def _step(self, r, t, choose):
        tis = self.tis[r]
        ups = [tis[u].state for u in t.up if tis[u].state in FINISHED]
        verdict = rule_verdict(t.rule, ups, len(t.up))
        # not_previously_skipped_dep: a finished branch upstream that did
        # not follow this task skips it again.
        nps = any(
            self.dag.by_id[u].branch
            and tis[u].state in FINISHED
            and tis[u].followed is not None
            and t.id not in tis[u].followed
            for u in t.up
        )
        if nps and "branch_clear_reruns" not in self.known:
            verdict = {"skipped"} | (verdict & {"upstream_failed", "skipped"})
        past = self._past_ok(r, t)
        # A skip or upstream_failed does not wait for the past (Airflow's
        # default: wait_for_past_depends_before_skipping is off).
        if verdict == {"wait"}:
            return False
        if verdict == {"run"}:
            if not past:
                return False
            self._run(r, t, choose)
            return True
        verdict.discard("wait")
        verdict.discard("run")
        tis[t.id].state = choose(r, t.id, verdict) if len(verdict) > 1 else next(iter(verdict))
        return True

    def _run(self, r, t, choose):
        ti = self.tis[r][t.id]
        k = t.succeed_from.get(r)
        # What the tasks below could see while this one ran.
        before = {tid: ti.state for tid, ti in self.tis[r].items()}
        while True:
            ti.tries += 1
            ti.followed = None  # a new try clears the task's XCom
            if k is not None and ti.tries >= k:
                ti.state = "success"
                if t.branch:
                    self._follow(r, t, t.follow.get(r, []), before)
                return
            if ti.tries - ti.budget_from < t.retries + 1:
                continue  # up_for_retry, retry_delay 0
            ti.state = "failed"
            return

    def _follow(self, r, t, names, before):
        keep = set(names)
        if "branch_join_keep" not in self.known:
            for n in names:
                keep |= self.dag.descendants(n)
        down = self.dag.down[t.id]
        self.tis[r][t.id].followed = [d for d in down if d in keep]
        for d in down:
            if d in keep:
                continue
            ti = self.tis[r][d]
            if ti.state not in ("none", "skipped") or self._early(t.id, d, before):
                # Airflow's skip overwrites a state that tasks below may
                # already have seen: the order cannot be known.
                self.unsure[r] = self.unsure[r] or "branch %s skips %s after it was %s" % (
                    t.id,
                    d,
                    ti.state,
                )
            ti.state = "skipped"

    def _early(self, b, d, before):
        """Could d have run or failed upstream while branch b ran (from the
        upstreams finished when b started)? Then Airflow's skip overwrites
        it, and what d's own downstream saw depends on timing."""
        t = self.dag.by_id[d]
        ups = [before[u] for u in t.up if u != b and before[u] in FINISHED]
        return bool(rule_verdict(t.rule, ups, len(t.up)) & {"run", "upstream_failed"})

    # -- operator actions ---------------------------------------------------

    def selection(self, r, task, downstream, upstream, past, future):
        tasks = {task}
        if downstream:
            tasks |= self.dag.descendants(task)
        if upstream:
            tasks |= self.dag.ancestors(task)
        runs = [
            x
            for x in range(self.n_runs)
            if x == r or (x < r and past) or (x > r and future)
        ]
        return runs, tasks

    def _clear_tis(self, pairs):
        for x, tid in pairs:
            ti = self.tis[x][tid]
            ti.state = "none"
            ti.budget_from = ti.tries

    def clear(self, r, task, downstream=False, upstream=False, past=False, future=False,
              failed_only=False):
        runs, tasks = self.selection(r, task, downstream, upstream, past, future)
        pairs = [
            (x, tid)
            for x in runs
            for tid in tasks
            if not failed_only or self.tis[x][tid].state in ("failed", "upstream_failed")
        ]
        self._clear_tis(pairs)
        return pairs

    def mark(self, r, task, state, downstream=False, upstream=False, past=False, future=False):
        runs, tasks = self.selection(r, task, downstream, upstream, past, future)
        pairs = [(x, tid) for x in runs for tid in tasks if self.tis[x][tid].state != state]
        for x, tid in pairs:
            self.tis[x][tid].state = state
        if state == "success" and "mark_success_reruns_uf_only" in self.known:
            # dagd before fix (c): upstream_failed (not failed) below any
            # task it changed go back to none, run by run.
            for x in runs:
                changed = {tid for y, tid in pairs if y == x}
                below = set()
                for tid in changed:
                    below |= self.dag.descendants(tid)
                for tid in below - changed:
                    if self.tis[x][tid].state == "upstream_failed":
                        self.tis[x][tid].state = "none"
            return pairs
        # set_task_instance_state: then clear the failed / upstream_failed
        # tasks below the chosen one (it excluded), over the same runs.
        if ("mark_%s_no_rerun" % state) not in self.known:
            below = self.dag.descendants(task)
            rerun = [
                (x, tid)
                for x in runs
                for tid in below
                if self.tis[x][tid].state in ("failed", "upstream_failed")
            ]
            self._clear_tis(rerun)
        return pairs

    # -- reading ------------------------------------------------------------

    def run_state(self, r):
        tis = self.tis[r]
        if any(ti.state not in FINISHED for ti in tis.values()):
            # Only depends_on_past leaves a settled run unfinished: Airflow
            # keeps it running (no deadlock while the past may change).
            return "failed" if "dop_deadlock_fails" in self.known else "running"
        if any(tis[leaf].state in ("failed", "upstream_failed") for leaf in self.dag.leaves):
            return "failed"
        return "success"
