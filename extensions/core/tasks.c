/*
 * tasks.c - tasks of the model: one read per task_struct (the span of
 * every field mmaudit needs), state decoding the way fs/proc/array.c does
 * it, the relation of mm and active_mm, and the bounded, loop-checked walk
 * of init_task.tasks.
 */
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"
#include "modelint.h"

static const char *
letter_name(char c)
{
	switch (c) {
	case 'R': return "RU";
	case 'S': return "IN";
	case 'D': return "UN";
	case 'T': return "ST";
	case 't': return "TR";
	case 'X': case 'x': return "DE";
	case 'Z': return "ZO";
	case 'P': return "PA";
	case 'I': return "ID";
	case 'W': return "WA";
	case 'K': return "WK";
	default: return "??";
	}
}

static int
fls64(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/*
 * State name the way fs/proc/array.c task_state_index() derives it: the
 * index into task_state_array is fls(state | exit_state) over the bits the
 * array names; TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD) is reported
 * as the array's last entry "I (idle)" where it exists.  Without the
 * array, the values of v4.14+ are assumed.
 */
static void
decode_state(const struct mma_layout *l, struct mma_task *tk)
{
	const char *s;
	uint64_t v = tk->state | tk->exit_state;
	int n = l->nstates, hasI = n > 1 && l->state_letter[n - 1] == 'I';
	int bits = n - 1 - hasI, i;

	if (n >= 2) {
		if (hasI && tk->state == 0x402 && !tk->exit_state)
			i = n - 1;
		else
			i = fls64(v & ((1ULL << bits) - 1));
		s = letter_name(l->state_letter[i]);
	} else if (tk->exit_state)
		s = (tk->exit_state & 0x20) ? "ZO" : "DE";
	else if (tk->state == 0)
		s = "RU";
	else if (tk->state == 0x402)
		s = "ID";
	else if (tk->state & 0x1)
		s = "IN";
	else if (tk->state & 0x2)
		s = "UN";
	else if (tk->state & 0x4)
		s = "ST";
	else if (tk->state & 0x8)
		s = "TR";
	else if (tk->state & 0x40)
		s = "PA";
	else
		s = "??";
	memcpy(tk->st, s, 3);
}

/**
 * mma_model_add_task - read one task_struct into the model
 *
 * A task already present only gets src or-ed in.  Returns the task index,
 * or -1 if the pointer was rejected (reported as a finding).
 */
int
mma_model_add_task(struct mma_model *m, uint64_t addr, unsigned src)
{
	const struct mma_layout *l = m->l;
	unsigned char stackbuf[4096], *buf = stackbuf;
	struct mma_task *tk;
	int idx, i;

	if ((idx = mma_hash_get(&m->taskh, addr)) >= 0) {
		m->tasks[idx].src |= src;
		return idx;
	}
	if (!mma_kvaddr_ok(m->t, addr, 8)) {
		m->bad_tasks++;
		mma_add_finding(m, "bad-task-pointer", MMA_SEV_SUSPICIOUS, addr,
				0, -1, -1, "task pointer %llx is not an aligned "
				"kernel address", (unsigned long long)addr);
		return -1;
	}
	if ((size_t)l->span_len > sizeof(stackbuf) &&
	    !(buf = malloc((size_t)l->span_len)))
		return -1;
	if (mma_tread(m, addr + (uint64_t)l->span_lo, buf, (size_t)l->span_len)) {
		if (mma_addr_missing(m, addr + (uint64_t)l->span_lo,
				     (size_t)l->span_len)) {
			/* filtered out of the dump: unknown, not corrupt */
			m->missing++;
			m->missing_tasks++;
			if (buf != stackbuf)
				free(buf);
			return -1;
		}
		m->bad_tasks++;
		mma_add_finding(m, "bad-task-pointer", MMA_SEV_SUSPICIOUS, addr,
				0, -1, -1, "task_struct at %llx cannot be read "
				"(%ld bytes)", (unsigned long long)addr,
				l->span_len);
		if (buf != stackbuf)
			free(buf);
		return -1;
	}
	m->tasks = mma_grow(m->tasks, &m->taskcap, m->ntasks + 1, sizeof(*m->tasks));
	if (!m->tasks) {
		if (buf != stackbuf)
			free(buf);
		return -1;
	}
	idx = m->ntasks++;
	tk = &m->tasks[idx];
	memset(tk, 0, sizeof(*tk));
	tk->addr = addr;
	tk->src = src;
	tk->oncpu = tk->idle_of = tk->cpu = tk->on_cpu = -1;
	tk->mm_idx = tk->amm_idx = -1;
#define F(o) ((o) - l->span_lo)
	tk->pid = (int32_t)mma_get_int(buf, F(l->t_pid), 4);
	tk->tgid = l->t_tgid >= 0 ? (int32_t)mma_get_int(buf, F(l->t_tgid), 4) :
		   tk->pid;
	if (l->t_flags >= 0)
		tk->flags = (uint32_t)mma_get_uint(buf, F(l->t_flags),
					       l->t_flags_size == 8 ? 8 : 4);
	if (l->t_state >= 0)
		tk->state = mma_get_uint(buf, F(l->t_state), l->t_state_size);
	if (l->t_exit_state >= 0)
		tk->exit_state = (uint32_t)mma_get_uint(buf, F(l->t_exit_state), 4);
	tk->mm = mma_get_uint(buf, F(l->t_mm), 8);
	tk->active_mm = mma_get_uint(buf, F(l->t_active_mm), 8);
	if (l->t_group_leader >= 0)
		tk->group_leader = mma_get_uint(buf, F(l->t_group_leader), 8);
	if (l->t_tasks >= 0)
		tk->tasks_next = mma_get_uint(buf, F(l->t_tasks), 8);
	if (l->t_on_cpu >= 0)
		tk->on_cpu = (int)mma_get_int(buf, F(l->t_on_cpu), 4) ? 1 : 0;
	if (l->t_cpu >= 0)
		tk->cpu = (int)mma_get_int(buf, F(l->t_cpu),
				       l->t_cpu_size > 0 ? l->t_cpu_size : 4);
	memcpy(tk->comm, buf + F(l->t_comm), (size_t)l->t_comm_len);
	tk->comm[16] = '\0';
	for (i = 0; tk->comm[i]; i++)
		if ((unsigned char)tk->comm[i] < 0x20 ||
		    (unsigned char)tk->comm[i] == 0x7f)
			tk->comm[i] = '?';
	if (l->t_stack >= 0 && l->ti_cpu >= 0) {
		uint64_t stack = mma_get_uint(buf, F(l->t_stack), 8);
		uint32_t c;

		if (mma_kvaddr_ok(m->t, stack, 8) &&
		    !mma_tread(m, stack + (uint64_t)l->ti_cpu, &c, sizeof(c)))
			tk->cpu = (int)c;
	}
#undef F
	if (buf != stackbuf)
		free(buf);
	if (m->t->task_state && !m->t->task_state(m->t->ctx, addr, tk->st,
						  sizeof(tk->st)))
		tk->st[sizeof(tk->st) - 1] = '\0';
	else
		decode_state(l, tk);
	mma_hash_put(&m->taskh, addr, idx);
	return idx;
}

/* ------------------------------------------------------------------ */
/* init_task.tasks walk                                                */
/* ------------------------------------------------------------------ */

void
mma_walk_task_list(struct mma_model *m, int max)
{
	const struct mma_layout *l = m->l;
	struct mma_hash seen;
	uint64_t head, next, task;
	int n = 0, idx;

	if (!l->init_task || l->t_tasks < 0)
		return;
	task = l->init_task;	/* the task whose tasks.next is read next */
	mma_hash_init(&seen);
	head = l->init_task + (uint64_t)l->t_tasks;
	m->list_state = MMA_LIST_OK;
	if (mma_tread(m, head, &next, 8)) {
		if (mma_addr_missing(m, head, 8)) {
			m->missing++;
			m->missing_tasks++;
			m->list_state = MMA_LIST_INCOMPLETE;
			return;
		}
		m->list_state = MMA_LIST_BROKEN;
		mma_add_finding(m, "tasklist-broken", MMA_SEV_BUG,
				l->init_task, 0, -1, -1,
				"init_task.tasks at %llx cannot be read",
				(unsigned long long)head);
		return;
	}
	while (next != head) {
		if (!mma_kvaddr_ok(m->t, next, 8)) {
			m->list_state = MMA_LIST_BROKEN;
			mma_add_finding(m, "tasklist-broken", MMA_SEV_BUG, task,
					0, -1, -1, "init_task.tasks walk: bad "
					"next pointer %llx in task %llx after "
					"%d tasks", (unsigned long long)next,
					(unsigned long long)task, n);
			break;
		}
		if (mma_hash_get(&seen, next) >= 0) {
			m->list_state = MMA_LIST_LOOP;
			mma_add_finding(m, "tasklist-loop", MMA_SEV_BUG,
					next - (uint64_t)l->t_tasks, 0, -1, -1,
					"init_task.tasks loops back to %llx "
					"after %d tasks without returning to "
					"the head", (unsigned long long)next, n);
			break;
		}
		if (n >= max) {
			m->list_state = MMA_LIST_TRUNCATED;
			mma_add_finding(m, "tasklist-truncated",
					MMA_SEV_SUSPICIOUS, 0, 0, -1, -1,
					"init_task.tasks walk stopped at the "
					"cap of %d tasks", max);
			break;
		}
		mma_hash_put(&seen, next, n);
		n++;
		task = next - (uint64_t)l->t_tasks;
		idx = mma_hash_get(&m->taskh, task);
		if (idx < 0 && (idx = mma_model_add_task(m, task,
							 MMA_SRC_LIST)) >= 0)
			m->list_added++;
		if (idx >= 0) {
			/* tasks.next came with the task's one read */
			m->tasks[idx].src |= MMA_SRC_LIST;
			next = m->tasks[idx].tasks_next;
		} else if (mma_tread(m, next, &next, 8)) {
			if (mma_addr_missing(m, task, 8)) {
				/* the rest of the list is not in the dump */
				m->missing_tasks++;
				m->list_state = MMA_LIST_INCOMPLETE;
				break;
			}
			m->list_state = MMA_LIST_BROKEN;
			mma_add_finding(m, "tasklist-broken", MMA_SEV_BUG, task,
					0, -1, -1, "init_task.tasks walk: "
					"cannot read tasks.next of %llx",
					(unsigned long long)task);
			break;
		}
	}
	m->list_walked = n;
	mma_hash_free(&seen);
}

/* ------------------------------------------------------------------ */
/* relation of mm and active_mm                                        */
/* ------------------------------------------------------------------ */

int
mma_task_relation(const struct mma_task *tk)
{
	if (!tk->mm)
		return tk->active_mm ? MMA_REL_BORROWED : MMA_REL_NONE;
	if (tk->active_mm != tk->mm)
		return MMA_REL_INVALID;
	if (tk->flags & MMA_PF_KTHREAD)
		return MMA_REL_KTHREAD_USE_MM;
	return MMA_REL_OWN;
}

const char *
mma_rel_name(int rel)
{
	switch (rel) {
	case MMA_REL_OWN: return "OWN";
	case MMA_REL_BORROWED: return "BORROWED";
	case MMA_REL_KTHREAD_USE_MM: return "KTHREAD_USE_MM";
	case MMA_REL_INVALID: return "INVALID";
	default: return "NONE";
	}
}
