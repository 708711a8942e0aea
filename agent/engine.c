#include "engine.h"
#include "batch.h"
#include "runner.h"
#include "scheduler.h"

void engine_pass(agent *ag)
{
    if (ag->in_pass) {
        ag->pass_again = true;
        return;
    }
    ag->in_pass = true;
    batch_begin(ag);
    do {
        ag->pass_again = false;
        scheduler_create_due_runs(ag);
        runner_step(ag);
    } while (ag->pass_again);
    ag->in_pass = false;
    scheduler_arm(ag, runner_next_retry(ag));
    batch_end(ag);
}

void engine_init(agent *ag)
{
    ag->pass = engine_pass;
    ag->launch = runner_launch;
    scheduler_init(ag);
}
