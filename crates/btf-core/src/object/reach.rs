//! Which instructions of a function can run, once CO-RE relocations have written their values.
//!
//! libbpf does not fail a program whose CO-RE relocation found no target: it overwrites the
//! instruction with an invalid call, and the kernel's verifier rejects the program only if that
//! call is reachable. Programs guard such reads with `bpf_core_field_exists()` and friends, which
//! clang compiles to "load the relocated constant, compare, branch"; the verifier follows only
//! the branch the known constant selects. This module does the same much simpler walk: constant
//! propagation over registers and 8-, 4-, 2- and 1-byte stack slots, following only the known
//! outcome of a conditional jump whose operands are both known.
//!
//! It is intra-procedural (a function's entry starts with nothing known, calls clobber r0–r5 and
//! everything on the stack) and errs on the side of "reachable": anything it cannot follow exactly
//! becomes unknown, which can only add reachable instructions, never hide one.

use super::insn::{self, Insn, class};

/// Registers r0–r10.
const REGS: usize = 11;
/// The read-only frame pointer.
const FP: u8 = 10;

/// What is known at one instruction: register values, and values stored at `r10 + off`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    regs: [Option<u64>; REGS],
    /// (offset from r10, size in bytes, value), at most a few dozen entries.
    stack: Vec<(i16, u8, u64)>,
}

impl State {
    fn entry() -> State {
        State {
            regs: [None; REGS],
            stack: Vec::new(),
        }
    }

    /// Keeps only what both states know; returns whether `self` changed.
    fn join(&mut self, other: &State) -> bool {
        let before = self.clone();
        for (mine, theirs) in self.regs.iter_mut().zip(other.regs.iter()) {
            if mine != theirs {
                *mine = None;
            }
        }
        self.stack.retain(|slot| other.stack.contains(slot));
        *self != before
    }

    fn reg(&self, r: u8) -> Option<u64> {
        self.regs.get(usize::from(r)).copied().flatten()
    }

    fn set(&mut self, r: u8, value: Option<u64>) {
        // r10 is read-only; an instruction writing it is malformed and the verifier refuses it.
        if let Some(slot) = self.regs.get_mut(usize::from(r)).filter(|_| r != FP) {
            *slot = value;
        }
    }

    fn clobber_call(&mut self) {
        for r in 0..=5 {
            self.regs[r] = None;
        }
        // A helper may write through any pointer it was given, including into this frame.
        self.stack.clear();
    }

    fn store(&mut self, off: i16, size: u8, value: Option<u64>) {
        let (lo, hi) = (i32::from(off), i32::from(off) + i32::from(size));
        self.stack
            .retain(|&(o, s, _)| i32::from(o) + i32::from(s) <= lo || i32::from(o) >= hi);
        if let Some(v) = value {
            self.stack.push((off, size, truncate(v, size)));
        }
    }

    fn load(&self, off: i16, size: u8) -> Option<u64> {
        self.stack
            .iter()
            .find(|&&(o, s, _)| o == off && s == size)
            .map(|&(_, _, v)| v)
    }
}

fn truncate(v: u64, size: u8) -> u64 {
    match size {
        8 => v,
        _ => v & ((1u64 << (u32::from(size) * 8)) - 1),
    }
}

fn sign_extend(v: u64, bits: u32) -> u64 {
    let shift = 64 - bits;
    (((v << shift) as i64) >> shift) as u64
}

/// Bytes moved by a load or store (`BPF_SIZE`).
fn mem_size(code: u8) -> u8 {
    match code & 0x18 {
        0x00 => 4,
        0x08 => 2,
        0x10 => 1,
        _ => 8,
    }
}

/// `BPF_MODE` values used below.
const MODE_MEM: u8 = 0x60;
const MODE_MEMSX: u8 = 0x80;
const MODE_ATOMIC: u8 = 0xc0;
/// Atomic operations that write the old value back into a register.
const ATOMIC_FETCH: i32 = 0x01;
const ATOMIC_CMPXCHG: i32 = 0xf0 | ATOMIC_FETCH;

/// The result of an ALU operation on known operands (`None` for what this walk does not model).
fn alu(op: u8, dst: u64, src: u64, wide: bool, off: i16) -> Option<u64> {
    let (dst, src) = if wide {
        (dst, src)
    } else {
        (dst & 0xffff_ffff, src & 0xffff_ffff)
    };
    let bits = if wide { 64 } else { 32 };
    let value = match op {
        0x00 => dst.wrapping_add(src),
        0x10 => dst.wrapping_sub(src),
        0x20 => dst.wrapping_mul(src),
        0x40 => dst | src,
        0x50 => dst & src,
        0x60 => dst.checked_shl((src % bits) as u32)?,
        0x70 => dst.checked_shr((src % bits) as u32)?,
        0x80 => dst.wrapping_neg(),
        0xa0 => dst ^ src,
        0xb0 => match off {
            0 => src,
            8 | 16 | 32 => sign_extend(src, off as u32),
            _ => return None,
        },
        0xc0 if wide => ((dst as i64) >> (src % 64)) as u64,
        0xc0 => (((dst as u32 as i32) >> (src % 32)) as u32).into(),
        // Division, modulo (and their signed forms) and byte swaps: not needed to follow guards.
        _ => return None,
    };
    Some(if wide { value } else { value & 0xffff_ffff })
}

/// The outcome of a conditional jump on known operands; `None` when the opcode is not one.
fn branch_taken(op: u8, a: u64, b: u64, wide: bool) -> Option<bool> {
    let (a, b, sa, sb) = if wide {
        (a, b, a as i64, b as i64)
    } else {
        let (a, b) = (a & 0xffff_ffff, b & 0xffff_ffff);
        (a, b, i64::from(a as u32 as i32), i64::from(b as u32 as i32))
    };
    Some(match op {
        0x10 => a == b,
        0x20 => a > b,
        0x30 => a >= b,
        0x40 => a & b != 0,
        0x50 => a != b,
        0x60 => sa > sb,
        0x70 => sa >= sb,
        0xa0 => a < b,
        0xb0 => a <= b,
        0xc0 => sa < sb,
        0xd0 => sa <= sb,
        _ => return None,
    })
}

/// For each instruction of a function (decoded, with CO-RE values already written in), whether
/// some execution from its first instruction reaches it.
pub fn reachable(insns: &[Insn]) -> Vec<bool> {
    let mut states: Vec<Option<State>> = vec![None; insns.len()];
    let mut work = Vec::new();
    if !insns.is_empty() {
        states[0] = Some(State::entry());
        work.push(0usize);
    }
    while let Some(pc) = work.pop() {
        let Some(state) = states[pc].clone() else {
            continue;
        };
        for (next, next_state) in successors(insns, pc, state) {
            let Some(slot) = states.get_mut(next) else {
                continue; // a jump out of the function: malformed, nothing to follow
            };
            let changed = match slot {
                None => {
                    *slot = Some(next_state);
                    true
                }
                Some(known) => known.join(&next_state),
            };
            if changed {
                work.push(next);
            }
        }
    }
    states.iter().map(Option::is_some).collect()
}

/// Where execution goes after `insns[pc]`, with the state it carries there.
fn successors(insns: &[Insn], pc: usize, mut state: State) -> Vec<(usize, State)> {
    let insn = insns[pc];
    let jump = |off: i64| -> Option<usize> { usize::try_from(pc as i64 + 1 + off).ok() };
    match insn.class() {
        class::ALU | class::ALU64 => {
            let wide = insn.class() == class::ALU64;
            let src = if insn.code & insn::SRC_X != 0 {
                state.reg(insn.src_reg)
            } else {
                Some(insn.imm as i64 as u64)
            };
            let value = match (insn.op(), state.reg(insn.dst_reg), src) {
                (0xb0, _, Some(s)) => alu(0xb0, 0, s, wide, insn.off),
                (0x80, Some(d), _) => alu(0x80, d, 0, wide, 0),
                (op, Some(d), Some(s)) => alu(op, d, s, wide, insn.off),
                _ => None,
            };
            state.set(insn.dst_reg, value);
            vec![(pc + 1, state)]
        }
        class::LD => {
            if insn.is_ld_imm64() {
                let value = match insns.get(pc + 1) {
                    Some(hi) if insn.src_reg == 0 => {
                        Some(u64::from(insn.imm as u32) | (u64::from(hi.imm as u32) << 32))
                    }
                    _ => None,
                };
                state.set(insn.dst_reg, value);
                vec![(pc + 2, state)]
            } else {
                // Legacy packet loads: r0 is the result, r1–r5 are scratched.
                state.clobber_call();
                vec![(pc + 1, state)]
            }
        }
        class::LDX => {
            let size = mem_size(insn.code);
            let value = match insn.code & 0xe0 {
                MODE_MEM if insn.src_reg == FP => state.load(insn.off, size),
                MODE_MEMSX if insn.src_reg == FP => state
                    .load(insn.off, size)
                    .map(|v| sign_extend(v, u32::from(size) * 8)),
                _ => None,
            };
            state.set(insn.dst_reg, value);
            vec![(pc + 1, state)]
        }
        class::ST | class::STX => {
            let size = mem_size(insn.code);
            let mode = insn.code & 0xe0;
            if mode == MODE_ATOMIC {
                state.stack.clear();
                if insn.imm == ATOMIC_CMPXCHG {
                    state.set(0, None);
                } else if insn.imm & ATOMIC_FETCH != 0 {
                    state.set(insn.src_reg, None);
                }
            } else if insn.dst_reg == FP && mode == MODE_MEM {
                let value = if insn.class() == class::ST {
                    Some(insn.imm as i64 as u64)
                } else {
                    state.reg(insn.src_reg)
                };
                state.store(insn.off, size, value);
            } else {
                // A store through another pointer may alias this frame.
                state.stack.clear();
            }
            vec![(pc + 1, state)]
        }
        class::JMP | class::JMP32 => {
            let wide = insn.class() == class::JMP;
            match insn.op() {
                0x00 => {
                    let off = if wide {
                        i64::from(insn.off)
                    } else {
                        i64::from(insn.imm)
                    };
                    jump(off).map(|t| vec![(t, state)]).unwrap_or_default()
                }
                0x80 => {
                    if insn.is_core_poison() {
                        // The verifier stops here: nothing after a poisoned call runs.
                        return Vec::new();
                    }
                    state.clobber_call();
                    vec![(pc + 1, state)]
                }
                0x90 => Vec::new(),
                op => {
                    let rhs = if insn.code & insn::SRC_X != 0 {
                        state.reg(insn.src_reg)
                    } else {
                        Some(insn.imm as i64 as u64)
                    };
                    let decided = match (state.reg(insn.dst_reg), rhs) {
                        (Some(a), Some(b)) => branch_taken(op, a, b, wide),
                        _ => None,
                    };
                    let target = jump(i64::from(insn.off));
                    match decided {
                        Some(true) => target.map(|t| vec![(t, state)]).unwrap_or_default(),
                        Some(false) => vec![(pc + 1, state)],
                        None => {
                            let mut out = vec![(pc + 1, state.clone())];
                            out.extend(target.map(|t| (t, state)));
                            out
                        }
                    }
                }
            }
        }
        _ => vec![(pc + 1, state)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::insn::POISON_IMM;

    fn i(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        Insn {
            code,
            dst_reg: dst,
            src_reg: src,
            off,
            imm,
        }
    }
    const MOV64_K: u8 = 0xb7;
    const JEQ_K: u8 = 0x15;
    const EXIT: u8 = insn::EXIT;

    /// `r1 = exists; if r1 == 0 goto else; <poison>; exit; else: r0 = 0; exit`
    fn guarded(exists: i32) -> Vec<Insn> {
        vec![
            i(MOV64_K, 1, 0, 0, exists),
            i(JEQ_K, 1, 0, 2, 0),
            i(insn::CALL, 0, 0, 0, POISON_IMM),
            i(EXIT, 0, 0, 0, 0),
            i(MOV64_K, 0, 0, 0, 0),
            i(EXIT, 0, 0, 0, 0),
        ]
    }

    #[test]
    fn a_guard_that_is_false_makes_the_poison_dead() {
        let reach = reachable(&guarded(0));
        assert_eq!(reach, [true, true, false, false, true, true]);
    }

    #[test]
    fn a_guard_that_is_true_keeps_the_poison_live() {
        let reach = reachable(&guarded(1));
        assert_eq!(reach, [true, true, true, false, false, false]);
    }

    #[test]
    fn an_unknown_condition_follows_both_ways() {
        let mut insns = guarded(0);
        insns[0] = i(0x61, 1, 1, 0, 0); // r1 = *(u32 *)(r1 + 0): unknown
        assert_eq!(reachable(&insns), [true, true, true, false, true, true]);
    }

    #[test]
    fn a_guard_spilled_to_the_stack_is_followed() {
        let insns = vec![
            i(MOV64_K, 1, 0, 0, 0),
            i(0x7b, FP, 1, -8, 0), // *(u64 *)(r10 - 8) = r1
            i(MOV64_K, 1, 0, 0, 7),
            i(0x79, 2, FP, -8, 0), // r2 = *(u64 *)(r10 - 8)
            i(JEQ_K, 2, 0, 1, 0),
            i(insn::CALL, 0, 0, 0, POISON_IMM),
            i(EXIT, 0, 0, 0, 0),
        ];
        assert_eq!(
            reachable(&insns),
            [true, true, true, true, true, false, true]
        );
        // A helper call in between may overwrite the slot: then both ways are possible.
        let mut clobbered = insns.clone();
        clobbered[2] = i(insn::CALL, 0, 0, 0, 1);
        assert!(reachable(&clobbered)[5]);
    }

    #[test]
    fn paths_that_disagree_make_a_register_unknown() {
        // r1 is 0 on one path and 1 on the other, so the test after the merge goes both ways.
        let insns = vec![
            i(0x61, 2, 1, 0, 0),    // r2 = unknown
            i(MOV64_K, 1, 0, 0, 0), // r1 = 0
            i(JEQ_K, 2, 0, 1, 0),   // if r2 == 0 skip
            i(MOV64_K, 1, 0, 0, 1), // r1 = 1
            i(JEQ_K, 1, 0, 1, 0),
            i(insn::CALL, 0, 0, 0, POISON_IMM),
            i(EXIT, 0, 0, 0, 0),
        ];
        assert!(reachable(&insns)[5]);
    }

    #[test]
    fn thirty_two_bit_compares_look_at_the_low_half() {
        let insns = vec![
            i(insn::LD_IMM64, 1, 0, 0, 0),
            i(0, 0, 0, 0, 1),    // r1 = 1 << 32
            i(0x16, 1, 0, 1, 0), // if w1 == 0 goto +1
            i(insn::CALL, 0, 0, 0, POISON_IMM),
            i(EXIT, 0, 0, 0, 0),
        ];
        assert_eq!(reachable(&insns), [true, false, true, false, true]);
    }
}
