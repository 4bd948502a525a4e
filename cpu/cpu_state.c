/* Saving and loading struct cpu: registers, flags (lazy flags
 * materialised), segment and descriptor-table caches, control, debug and
 * model-specific registers, the x87/MMX file and the pending-event state. */
#include "cpu/cpu_state.h"

#include "cpu/cpu_priv.h"

static void cpu_state_seg(struct state *s, struct seg *g)
{
    STATE(s, g->sel);
    STATE(s, g->base);
    STATE(s, g->limit);
    STATE(s, g->flags);
    STATE(s, g->access);
}

static void cpu_state_fpu(struct state *s, struct fpu *f)
{
    for (int i = 0; i < 8; i++) {
        STATE(s, f->st[i].sig);
        STATE(s, f->st[i].se);
    }
    STATE(s, f->cw);
    STATE(s, f->sw);
    STATE(s, f->tw);
    STATE(s, f->fop);
    STATE(s, f->fip);
    STATE(s, f->fdp);
    STATE(s, f->fcs);
    STATE(s, f->fds);
    STATE(s, f->ferr);
    STATE(s, f->ignne);
}

int cpu_state(struct state *s, struct cpu *c)
{
    uint32_t model = (uint32_t)c->model;
    STATE(s, model);
    if (state_loading(s) && model != (uint32_t)c->model)
        return state_fail(s, "saved from a %s, this CPU is a %s",
                          model <= CPU_PENTIUM2 ? cpu_model_name((enum cpu_model)model) : "?",
                          cpu_model_name(c->model));
    STATE_ARRAY(s, c->regs.r32);
    STATE(s, c->eip);
    /* Lazy flags are folded in, so the stream does not depend on how the
     * last arithmetic instruction recorded them. */
    uint32_t eflags = cpu_get_eflags(c);
    STATE(s, eflags);
    for (int i = 0; i < 6; i++)
        cpu_state_seg(s, &c->seg[i]);
    STATE(s, c->gdtr.base);
    STATE(s, c->gdtr.limit);
    STATE(s, c->idtr.base);
    STATE(s, c->idtr.limit);
    cpu_state_seg(s, &c->ldtr);
    cpu_state_seg(s, &c->tr);
    STATE_ARRAY(s, c->cr);
    STATE_ARRAY(s, c->dr);
    STATE_ARRAY(s, c->msr_index);
    STATE_ARRAY(s, c->msr_value);
    STATE(s, c->tsc);
    STATE(s, c->cpl);
    cpu_state_fpu(s, &c->fpu);
    STATE(s, c->halted);
    STATE(s, c->intr_line);
    STATE(s, c->nmi_pending);
    STATE(s, c->inhibit_irq);
    STATE(s, c->trap_pending);
    STATE(s, c->icount);
    if (state_loading(s)) {
        c->eflags = eflags;
        c->lf.op = LF_NONE;
        c->exc_depth = 0;
        if (c->cpl > 3)
            return state_fail(s, "CPL %u", c->cpl);
    }
    return 0;
}
