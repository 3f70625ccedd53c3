//! BPF instructions as 8-byte records in either byte order: decoding, encoding, and the opcode
//! facts that the CO-RE patcher and the reachability analysis need.
//!
//! The only byte-order dependent parts are the 16-bit offset, the 32-bit immediate and the register
//! byte: a little-endian object packs `dst` in the low nibble, a big-endian one in the high nibble.

use crate::model::btf::Endianness;

/// Size of one instruction (`struct bpf_insn`).
pub const INSN_SIZE: usize = 8;

/// Instruction classes (low three bits of the opcode).
pub mod class {
    /// Special loads (`BPF_LD`: 64-bit immediate).
    pub const LD: u8 = 0x00;
    /// Load from memory into a register.
    pub const LDX: u8 = 0x01;
    /// Store an immediate.
    pub const ST: u8 = 0x02;
    /// Store a register (and atomics).
    pub const STX: u8 = 0x03;
    /// 32-bit arithmetic.
    pub const ALU: u8 = 0x04;
    /// 64-bit jumps, calls and exit.
    pub const JMP: u8 = 0x05;
    /// 32-bit jumps.
    pub const JMP32: u8 = 0x06;
    /// 64-bit arithmetic.
    pub const ALU64: u8 = 0x07;
}

/// The `BPF_X` source bit: the operand is `src_reg`, not `imm`.
pub const SRC_X: u8 = 0x08;
/// `BPF_LD | BPF_IMM | BPF_DW`: the first half of a 64-bit immediate load (two slots).
pub const LD_IMM64: u8 = 0x18;
/// `BPF_JMP | BPF_CALL`.
pub const CALL: u8 = 0x85;
/// `BPF_JMP | BPF_EXIT`.
pub const EXIT: u8 = 0x95;
/// The helper number of the `call` libbpf writes over an instruction whose CO-RE relocation
/// failed: `0xbad2310` ("bad relo"); the verifier rejects it (`invalid func unknown#195896080`)
/// if, and only if, it is reachable.
pub const POISON_IMM: i32 = 0x0bad_2310;

/// One decoded instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Insn {
    /// Opcode: class, size/source and operation bits.
    pub code: u8,
    /// Destination register (0–10).
    pub dst_reg: u8,
    /// Source register (0–10), or a pseudo marker for `ld_imm64` and `call`.
    pub src_reg: u8,
    /// Signed 16-bit offset (jumps, memory access).
    pub off: i16,
    /// Signed 32-bit immediate.
    pub imm: i32,
}

impl Insn {
    /// Decodes the 8 bytes at the start of `bytes` (`None` if there are fewer).
    pub fn decode(bytes: &[u8], endianness: Endianness) -> Option<Insn> {
        let b: [u8; INSN_SIZE] = bytes.get(..INSN_SIZE)?.try_into().ok()?;
        Some(Insn::from_bytes(b, endianness))
    }

    /// Decodes one instruction (the register nibbles swap places between the byte orders).
    pub fn from_bytes(b: [u8; INSN_SIZE], endianness: Endianness) -> Insn {
        let (dst_reg, src_reg, off, imm) = match endianness {
            Endianness::Little => (
                b[1] & 0xf,
                b[1] >> 4,
                i16::from_le_bytes([b[2], b[3]]),
                i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            ),
            Endianness::Big => (
                b[1] >> 4,
                b[1] & 0xf,
                i16::from_be_bytes([b[2], b[3]]),
                i32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            ),
        };
        Insn {
            code: b[0],
            dst_reg,
            src_reg,
            off,
            imm,
        }
    }

    /// The instruction's 8 bytes in `endianness`.
    pub fn to_bytes(&self, endianness: Endianness) -> [u8; INSN_SIZE] {
        let mut b = [0u8; INSN_SIZE];
        b[0] = self.code;
        match endianness {
            Endianness::Little => {
                b[1] = (self.src_reg << 4) | (self.dst_reg & 0xf);
                b[2..4].copy_from_slice(&self.off.to_le_bytes());
                b[4..].copy_from_slice(&self.imm.to_le_bytes());
            }
            Endianness::Big => {
                b[1] = (self.dst_reg << 4) | (self.src_reg & 0xf);
                b[2..4].copy_from_slice(&self.off.to_be_bytes());
                b[4..].copy_from_slice(&self.imm.to_be_bytes());
            }
        }
        b
    }

    /// The instruction class (`BPF_CLASS`).
    pub fn class(&self) -> u8 {
        self.code & 0x07
    }

    /// The operation bits of an ALU or jump instruction (`BPF_OP`).
    pub fn op(&self) -> u8 {
        self.code & 0xf0
    }

    /// Whether this is the first slot of a 64-bit immediate load.
    pub fn is_ld_imm64(&self) -> bool {
        self.code == LD_IMM64
    }

    /// Whether this is the `call 0xbad2310` libbpf writes over an instruction whose CO-RE
    /// relocation failed.
    pub fn is_core_poison(&self) -> bool {
        self.code == CALL && self.src_reg == 0 && self.imm == POISON_IMM
    }
}

/// Decodes a run of instructions (a trailing partial instruction is ignored).
pub fn decode_all(bytes: &[u8], endianness: Endianness) -> Vec<Insn> {
    bytes
        .chunks_exact(INSN_SIZE)
        .filter_map(|chunk| Insn::decode(chunk, endianness))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_byte_orders_round_trip_and_differ_where_they_must() {
        let insn = Insn {
            code: 0x61, // ldxw
            dst_reg: 2,
            src_reg: 1,
            off: -12,
            imm: 0x1234_5678,
        };
        let le = insn.to_bytes(Endianness::Little);
        let be = insn.to_bytes(Endianness::Big);
        assert_eq!(le, [0x61, 0x12, 0xf4, 0xff, 0x78, 0x56, 0x34, 0x12]);
        assert_eq!(be, [0x61, 0x21, 0xff, 0xf4, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(Insn::decode(&le, Endianness::Little), Some(insn));
        assert_eq!(Insn::decode(&be, Endianness::Big), Some(insn));
        assert_eq!(Insn::decode(&le[..7], Endianness::Little), None);
    }

    #[test]
    fn poison_is_recognised() {
        let poison = Insn {
            code: CALL,
            imm: POISON_IMM,
            ..Insn::default()
        };
        assert!(poison.is_core_poison());
        assert!(!Insn { imm: 1, ..poison }.is_core_poison());
    }
}
