//! Instruction patching (`bpf_core_patch_insn`, `bpf_core_poison_insn`): writes a relocation's
//! value into the immediate or offset of the BPF instruction it belongs to, adjusts load/store
//! sizes, or replaces the instruction by libbpf's "bad relocation" call.

use super::log::{Log, LogLine};
use super::relo::ReloRes;
use super::{CoreError, EINVAL, ERANGE};
use crate::Endianness;

use crate::object::insn::{CALL, class};
pub use crate::object::insn::{Insn, POISON_IMM};

/// What the patch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Patched {
    /// Replaced by `call 0xbad2310` (both halves of an `LD_IMM64`).
    Poisoned {
        /// Whether the poisoned instruction was a two-slot `LD_IMM64`.
        ldimm64: bool,
    },
    /// ALU/ALU64 immediate: old and new value as libbpf prints them.
    AluImm {
        /// The immediate before patching.
        orig: u64,
        /// The immediate after patching.
        new: u64,
    },
    /// LDX/ST/STX offset, and the memory size change in bytes if any.
    MemOff {
        /// The offset before patching.
        orig: u64,
        /// The offset after patching.
        new: u64,
        /// The access size in bytes before and after, when it changed.
        mem_sz: Option<(u32, u32)>,
    },
    /// `LD_IMM64` 64-bit immediate.
    LdImm64 {
        /// The immediate before patching.
        orig: u64,
        /// The immediate after patching.
        new: u64,
    },
}

/// The result of [`patch_insn_bytes`].
#[derive(Clone, Debug)]
pub struct PatchOutcome {
    /// The instruction bytes after patching (as many as were given; unchanged on error except
    /// where libbpf had already written before failing).
    pub bytes: Vec<u8>,
    /// What was patched, or why libbpf refused to patch (which fails the load).
    pub result: Result<Patched, CoreError>,
    /// libbpf's messages for the patch.
    pub log: Vec<LogLine>,
}

fn poison(log: &mut Log, prog_name: &str, relo_idx: usize, insn_idx: usize, insn: &mut Insn) {
    log.debug(format!(
        "prog '{prog_name}': relo #{relo_idx}: substituting insn #{insn_idx} w/ invalid insn"
    ));
    *insn = Insn {
        code: CALL,
        dst_reg: 0,
        src_reg: 0,
        off: 0,
        imm: POISON_IMM,
    };
}

fn size_bytes(code: u8) -> u32 {
    match code & 0x18 {
        0x18 => 8,
        0x00 => 4,
        0x08 => 2,
        _ => 1,
    }
}

fn bytes_to_size(sz: u32) -> Option<u8> {
    match sz {
        8 => Some(0x18),
        4 => Some(0x00),
        2 => Some(0x08),
        1 => Some(0x10),
        _ => None,
    }
}

/// `bpf_core_patch_insn` on decoded instructions: `insns[0]` is the relocated instruction,
/// `insns[1]` (if present) the next one, which an `LD_IMM64` needs. Errors are positive errnos.
pub fn patch_insn(
    prog_name: &str,
    insn_idx: usize,
    relo_idx: usize,
    res: &ReloRes,
    insns: &mut [Insn],
) -> (Result<Patched, i32>, Vec<LogLine>) {
    let mut log = Log::default();
    let r = patch_logged(prog_name, insn_idx, relo_idx, res, insns, &mut log);
    (r, log.lines)
}

fn do_poison(
    prog_name: &str,
    insn_idx: usize,
    relo_idx: usize,
    insns: &mut [Insn],
    log: &mut Log,
) -> Patched {
    let ldimm64 = insns[0].is_ld_imm64();
    if ldimm64 {
        if let Some(next) = insns.get_mut(1) {
            poison(log, prog_name, relo_idx, insn_idx + 1, next);
        }
    }
    poison(log, prog_name, relo_idx, insn_idx, &mut insns[0]);
    Patched::Poisoned { ldimm64 }
}

fn patch_logged(
    prog_name: &str,
    insn_idx: usize,
    relo_idx: usize,
    res: &ReloRes,
    insns: &mut [Insn],
    log: &mut Log,
) -> Result<Patched, i32> {
    if insns.is_empty() {
        return Err(EINVAL);
    }
    if res.poison {
        return Ok(do_poison(prog_name, insn_idx, relo_idx, insns, log));
    }
    let orig_val = res.orig_val;
    let new_val = res.new_val;
    let insn = insns[0];
    match insn.code & 0x07 {
        class::ALU | class::ALU64 => {
            if insn.code & 0x08 != 0 {
                return Err(EINVAL);
            }
            let imm = insn.imm as i64 as u64;
            if res.validate && imm != orig_val {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: unexpected insn #{insn_idx} (ALU/ALU64) value: got {}, exp {orig_val} -> {new_val}",
                    insn.imm as u32
                ));
                return Err(EINVAL);
            }
            insns[0].imm = new_val as i32;
            log.debug(format!(
                "prog '{prog_name}': relo #{relo_idx}: patched insn #{insn_idx} (ALU/ALU64) imm {imm} -> {new_val}"
            ));
            Ok(Patched::AluImm {
                orig: imm,
                new: new_val,
            })
        }
        class::LDX | class::ST | class::STX => {
            let off = insn.off as i64 as u64;
            if res.validate && off != orig_val {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: unexpected insn #{insn_idx} (LDX/ST/STX) value: got {}, exp {orig_val} -> {new_val}",
                    i32::from(insn.off) as u32
                ));
                return Err(EINVAL);
            }
            if new_val > i16::MAX as u64 {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: insn #{insn_idx} (LDX/ST/STX) value too big: {new_val}"
                ));
                return Err(ERANGE);
            }
            if res.fail_memsz_adjust {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: insn #{insn_idx} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size."
                ));
                return Ok(do_poison(prog_name, insn_idx, relo_idx, insns, log));
            }
            insns[0].off = new_val as i16;
            log.debug(format!(
                "prog '{prog_name}': relo #{relo_idx}: patched insn #{insn_idx} (LDX/ST/STX) off {off} -> {new_val}"
            ));
            let mut mem_sz = None;
            if res.new_sz != res.orig_sz {
                let got = size_bytes(insn.code);
                if got != res.orig_sz {
                    log.warn(format!(
                        "prog '{prog_name}': relo #{relo_idx}: insn #{insn_idx} (LDX/ST/STX) unexpected mem size: got {got}, exp {}",
                        res.orig_sz
                    ));
                    return Err(EINVAL);
                }
                let Some(sz) = bytes_to_size(res.new_sz) else {
                    log.warn(format!(
                        "prog '{prog_name}': relo #{relo_idx}: insn #{insn_idx} (LDX/ST/STX) invalid new mem size: {}",
                        res.new_sz
                    ));
                    return Err(EINVAL);
                };
                insns[0].code = (insn.code & 0xe0) | sz | (insn.code & 0x07);
                log.debug(format!(
                    "prog '{prog_name}': relo #{relo_idx}: patched insn #{insn_idx} (LDX/ST/STX) mem_sz {} -> {}",
                    res.orig_sz, res.new_sz
                ));
                mem_sz = Some((res.orig_sz, res.new_sz));
            }
            Ok(Patched::MemOff {
                orig: off,
                new: new_val,
                mem_sz,
            })
        }
        class::LD => {
            let next = insns.get(1).copied();
            let well_formed = insn.is_ld_imm64()
                && insn.src_reg == 0
                && insn.off == 0
                && next
                    .is_some_and(|n| n.code == 0 && n.dst_reg == 0 && n.src_reg == 0 && n.off == 0);
            let Some(next) = next.filter(|_| well_formed) else {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: insn #{insn_idx} (LDIMM64) has unexpected form"
                ));
                return Err(EINVAL);
            };
            let imm = u64::from(insn.imm as u32) | (u64::from(next.imm as u32) << 32);
            if res.validate && imm != orig_val {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: unexpected insn #{insn_idx} (LDIMM64) value: got {imm}, exp {orig_val} -> {new_val}"
                ));
                return Err(EINVAL);
            }
            insns[0].imm = new_val as i32;
            insns[1].imm = (new_val >> 32) as i32;
            log.debug(format!(
                "prog '{prog_name}': relo #{relo_idx}: patched insn #{insn_idx} (LDIMM64) imm64 {imm} -> {new_val}"
            ));
            Ok(Patched::LdImm64 {
                orig: imm,
                new: new_val,
            })
        }
        _ => {
            log.warn(format!(
                "prog '{prog_name}': relo #{relo_idx}: trying to relocate unrecognized insn #{insn_idx}, code:0x{:x}, src:0x{:x}, dst:0x{:x}, off:0x{:x}, imm:0x{:x}",
                insn.code,
                insn.src_reg,
                insn.dst_reg,
                i32::from(insn.off) as u32,
                insn.imm as u32
            ));
            Err(EINVAL)
        }
    }
}

/// [`patch_insn`] on raw bytes in the object's byte order: `bytes` holds the instruction and,
/// optionally, the next one (8 or 16 bytes; more are ignored).
pub fn patch_insn_bytes(
    prog_name: &str,
    insn_idx: usize,
    relo_idx: usize,
    res: &ReloRes,
    bytes: &[u8],
    order: Endianness,
) -> PatchOutcome {
    let mut insns: Vec<Insn> = bytes
        .chunks_exact(8)
        .take(2)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            Insn::from_bytes(a, order)
        })
        .collect();
    let mut log = Log::default();
    let r = patch_logged(prog_name, insn_idx, relo_idx, res, &mut insns, &mut log);
    let mut out = bytes.to_vec();
    for (i, insn) in insns.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&insn.to_bytes(order));
    }
    PatchOutcome {
        bytes: out,
        result: r
            .map_err(|e| CoreError::new(e, format!("patching instruction #{insn_idx} failed"))),
        log: log.lines,
    }
}
