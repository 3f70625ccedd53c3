//! Typed data as C initializers, as libbpf 1.7.0's `btf_dump__dump_type_data` writes them:
//! `(struct point){.x = (int)1,.y = (int)2,}` and its indented form, with libbpf's options
//! (indent string and level, compact, skip names, emit zeroes, emit strings), its return value
//! (bytes of the type, or a negative errno: `-E2BIG` where a base type runs past the data,
//! `-ENOTSUP` for kinds that hold no data) and its quirks: zero members are skipped below the
//! top level (a struct counts as zero when its *first* member is), array elements past the data
//! are skipped silently, and whether a value is read as aligned depends on its address.
//!
//! libbpf reads a struct's members to decide whether they are zero without checking the data's
//! end; here bytes past the end read as zero, which is what a caller's zero-padded buffer gives
//! libbpf (the differential test pads so).

use std::io::Write;

use crate::dump::c::CDump;
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::raw::Kind;
use crate::model::types::TypeRef;

/// Options of a typed-data dump (`struct btf_dump_type_data_opts`).
#[derive(Clone, Debug)]
pub struct DataOptions {
    /// Written once per indentation level (at most 31 bytes are used, as libbpf truncates).
    pub indent_str: Vec<u8>,
    /// Levels of indentation before the first.
    pub indent_level: usize,
    /// Everything on one line.
    pub compact: bool,
    /// No `.field = ` and no `(type)` casts.
    pub skip_names: bool,
    /// Zero members and elements too.
    pub emit_zeroes: bool,
    /// Char arrays holding a NUL-terminated string as `"text"`.
    pub emit_strings: bool,
}

impl Default for DataOptions {
    fn default() -> Self {
        DataOptions {
            indent_str: b"\t".to_vec(),
            indent_level: 0,
            compact: false,
            skip_names: false,
            emit_zeroes: false,
            emit_strings: false,
        }
    }
}

const E2BIG: i32 = 7;
const ENOENT: i32 = 2;
const EINVAL: i32 = 22;
const ENODATA: i32 = 61;
const ENOTSUP: i32 = 95;

/// The state of one dump (libbpf's `struct btf_dump_data`).
struct Walk<'d> {
    data: &'d [u8],
    opts: DataOptions,
    depth: usize,
    is_array_member: bool,
    is_array_terminated: bool,
    is_array_char: bool,
}

impl Walk<'_> {
    fn byte(&self, at: usize) -> u8 {
        self.data.get(at).copied().unwrap_or(0)
    }
    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        std::array::from_fn(|i| self.byte(at + i))
    }
    fn newline(&self) -> &'static str {
        if self.opts.compact || self.depth == 0 {
            ""
        } else {
            "\n"
        }
    }
    fn delim(&self) -> &'static str {
        if self.depth == 0 { "" } else { "," }
    }
}

fn printable(c: u8) -> bool {
    (0x20..0x7f).contains(&c)
}

/// C's `%f` of a double: six decimals; `inf`, `-inf`, `nan`, `-nan` as glibc writes them.
fn format_f(v: f64) -> String {
    if v.is_nan() {
        if v.is_sign_negative() { "-nan" } else { "nan" }.to_string()
    } else if v.is_infinite() {
        if v < 0.0 { "-inf" } else { "inf" }.to_string()
    } else {
        format!("{v:.6}")
    }
}

/// An x87 80-bit extended value (in the low 10 of 16 bytes) as the nearest double.
fn extended_to_f64(b: [u8; 16]) -> f64 {
    let mantissa = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    let se = u16::from_le_bytes([b[8], b[9]]);
    let negative = se & 0x8000 != 0;
    let exp = i32::from(se & 0x7fff);
    let v = if exp == 0x7fff {
        if mantissa << 1 == 0 {
            f64::INFINITY
        } else {
            f64::NAN
        }
    } else if exp == 0 && mantissa == 0 {
        0.0
    } else {
        mantissa as f64 * 2f64.powi(exp - 16383 - 63)
    };
    if negative { -v } else { v }
}

/// Work (bytes written plus values visited) a typed-data call may do per byte of data, on top of
/// the dumper's bound: real values take a few dozen bytes of text per byte (a struct of one-bit
/// fields, deeply indented), so only hostile BTF reaches it.
const DATA_WORK_PER_BYTE: usize = 4096;

impl<'a> CDump<'a> {
    /// Writes `data`, a value of type `id`, as a C initializer (`btf_dump__dump_type_data`);
    /// returns how many bytes the type spans. `ENOENT` for an unknown id; `E2BIG` when a base
    /// type runs past `data` (with the text written up to there), and when the call passes its
    /// work bound (the dumper's, see [`set_output_limit`](Self::set_output_limit), plus 4,096
    /// per byte of `data`; nothing written: hostile BTF only, such as arrays of 2^32 elements);
    /// `ENOTSUP` for a type that holds no data (a function, a forward declaration).
    pub fn dump_type_data(&mut self, id: u32, data: &[u8], opts: &DataOptions) -> Result<usize> {
        self.catch_up()?;
        if self.ty(id).is_none() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("type id {id} does not exist"),
            ));
        }
        let mut opts = opts.clone();
        opts.indent_str.truncate(31);
        let mut walk = Walk {
            data,
            opts,
            depth: 0,
            is_array_member: false,
            is_array_terminated: false,
            is_array_char: false,
        };
        // The text grows with the data, so the work bound does too: DATA_WORK_PER_BYTE per byte
        // on top of the dumper's own. Element counts do not depend on the data (an array of
        // 2^32 elements walks them all, in libbpf too), so without a bound hostile BTF would
        // never finish.
        self.begin_call(data.len().saturating_mul(DATA_WORK_PER_BYTE));
        let value = self.data_value(&mut walk, b"", id, 0, 0, 0);
        self.end_call(format_args!("the typed data of type [{id}]"))?;
        match value {
            Ok(size) => Ok(size as usize),
            Err(errno) => Err(Error::new(
                match errno {
                    E2BIG => ErrorKind::TooBig,
                    ENOENT => ErrorKind::NotFound,
                    ENOTSUP => ErrorKind::NotSupported,
                    EINVAL => ErrorKind::Invalid,
                    other => ErrorKind::Os(other),
                },
                format!("type [{id}]: the data cannot be shown (errno {errno})"),
            )),
        }
    }

    /// The type `id` stands for, past modifiers and typedefs (`skip_mods_and_typedefs`),
    /// resolved once per id.
    fn skip_mods_and_typedefs(&mut self, id: u32) -> Option<(u32, TypeRef<'a>)> {
        let known = self.skips.get(id as usize).copied().unwrap_or(0);
        let target = match known {
            0 => {
                let found = self.walk_mods_and_typedefs(id);
                if let Some(slot) = self.skips.get_mut(id as usize) {
                    *slot = found.map_or(u32::MAX, |t| t + 1);
                }
                found?
            }
            u32::MAX => return None,
            plus_one => plus_one - 1,
        };
        Some((target, self.ty(target)?))
    }

    fn walk_mods_and_typedefs(&self, mut id: u32) -> Option<u32> {
        for _ in 0..=self.btf.type_cnt() {
            let t = self.ty(id)?;
            match t.kind() {
                Some(
                    Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag | Kind::Typedef,
                ) => id = t.type_id(),
                _ => return Some(id),
            }
        }
        None
    }

    fn is_aligned(&mut self, walk: &Walk<'_>, id: u32, at: usize) -> bool {
        let align = self.align(id) as usize;
        align != 0 && (walk.data.as_ptr() as usize).wrapping_add(at) % align == 0
    }

    fn values(&mut self, walk: &Walk<'_>, text: std::fmt::Arguments<'_>) {
        let _ = self.out.write_fmt(text);
        let _ = write!(self.out, "{}{}", walk.delim(), walk.newline());
    }

    /// A name as a value (an enumerator), bytes as they are.
    fn name_value(&mut self, walk: &Walk<'_>, name: &[u8]) {
        self.out.extend_from_slice(name);
        let _ = write!(self.out, "{}{}", walk.delim(), walk.newline());
    }

    fn prefix(&mut self, walk: &Walk<'_>) {
        if walk.opts.compact {
            return;
        }
        for _ in 0..walk.opts.indent_level + walk.depth {
            self.out.extend_from_slice(&walk.opts.indent_str);
        }
    }

    /// One value: libbpf's `btf_dump_dump_type_data`. The bytes the type spans, or -errno.
    fn data_value(
        &mut self,
        walk: &mut Walk<'_>,
        name: &[u8],
        id: u32,
        at: usize,
        bit_off: u32,
        bit_sz: u32,
    ) -> std::result::Result<i64, i32> {
        if self.spent() {
            return Err(E2BIG);
        }
        if self.depth >= super::c::MAX_NESTING {
            return Err(EINVAL);
        }
        self.depth += 1;
        let r = self.data_value_nested(walk, name, id, at, bit_off, bit_sz);
        self.depth -= 1;
        r
    }

    fn data_value_nested(
        &mut self,
        walk: &mut Walk<'_>,
        name: &[u8],
        id: u32,
        at: usize,
        bit_off: u32,
        bit_sz: u32,
    ) -> std::result::Result<i64, i32> {
        let size = self.check_overflow(walk, id, at, bit_off, bit_sz)?;
        match self.check_zero(walk, id, at, bit_off, bit_sz) {
            Ok(()) => {}
            Err(ENODATA) => return Ok(size),
            Err(e) => return Err(e),
        }
        self.prefix(walk);
        if !walk.opts.skip_names {
            if !name.is_empty() {
                self.put(".");
                self.put(name);
                self.put(" = ");
            }
            self.type_cast(walk, id, true);
        }
        let Some((_, t)) = self.skip_mods_and_typedefs(id) else {
            return Err(EINVAL);
        };
        match t.kind() {
            Some(Kind::Unkn | Kind::Fwd | Kind::Func | Kind::FuncProto | Kind::DeclTag) => {
                let _ = write!(self.out, "<unsupported kind:{}>", t.kind_raw());
                return Err(ENOTSUP);
            }
            Some(Kind::Int) if bit_sz != 0 => {
                let v = self.bitfield_value(walk, &t, at, bit_off, bit_sz)?;
                self.values(walk, format_args!("0x{v:x}"));
            }
            Some(Kind::Int) => self.int_data(walk, &t, at)?,
            Some(Kind::Float) => self.float_data(walk, &t, at)?,
            Some(Kind::Ptr) => self.ptr_data(walk, id, at),
            Some(Kind::Array) => self.array_data(walk, &t, at)?,
            Some(Kind::Struct | Kind::Union) => self.struct_data(walk, &t, at)?,
            Some(Kind::Enum | Kind::Enum64) => {
                let value = if bit_sz != 0 {
                    let raw = self.bitfield_value(walk, &t, at, bit_off, bit_sz)?;
                    // libbpf re-reads the value at the enum's size from a 64-bit local.
                    let v = raw as i64;
                    match t.size() {
                        8 => v,
                        4 if t.kflag() => i64::from(v as i32),
                        4 => i64::from(v as u32),
                        2 if t.kflag() => i64::from(v as i16),
                        2 => i64::from(v as u16),
                        1 if t.kflag() => i64::from(v as i8),
                        1 => i64::from(v as u8),
                        _ => return Err(EINVAL),
                    }
                } else {
                    self.enum_value(walk, &t, id, at)?
                };
                self.enum_data(walk, &t, value);
            }
            Some(Kind::Var) => self.var_data(walk, &t, at)?,
            Some(Kind::Datasec) => self.datasec_data(walk, &t, at)?,
            _ => return Err(EINVAL),
        }
        Ok(size)
    }

    /// The size of type `id`, or `-E2BIG` when a base type runs past the data.
    fn check_overflow(
        &mut self,
        walk: &Walk<'_>,
        id: u32,
        at: usize,
        bit_off: u32,
        bit_sz: u32,
    ) -> std::result::Result<i64, i32> {
        if bit_sz != 0 {
            let bytes = (bit_off + bit_sz).div_ceil(8) as usize;
            return if at + bytes > walk.data.len() {
                Err(E2BIG)
            } else {
                Ok(bytes as i64)
            };
        }
        let size = match self.size(id) {
            Some(s) if s < i32::MAX as u64 => s as i64,
            _ => return Err(EINVAL),
        };
        let Some((_, t)) = self.skip_mods_and_typedefs(id) else {
            return Err(EINVAL);
        };
        let base = matches!(
            t.kind(),
            Some(Kind::Int | Kind::Float | Kind::Ptr | Kind::Enum | Kind::Enum64)
        );
        if base && at + (bit_off / 8) as usize + size as usize > walk.data.len() {
            return Err(E2BIG);
        }
        Ok(size)
    }

    /// `-ENODATA` when the value is zero and zero values are skipped here.
    fn check_zero(
        &mut self,
        walk: &Walk<'_>,
        id: u32,
        at: usize,
        bit_off: u32,
        bit_sz: u32,
    ) -> std::result::Result<(), i32> {
        if walk.opts.emit_zeroes || walk.depth == 0 || (walk.is_array_member && !walk.is_array_char)
        {
            return Ok(());
        }
        self.check_zero_inner(walk, id, at, bit_off, bit_sz, 0)
    }

    fn check_zero_inner(
        &mut self,
        walk: &Walk<'_>,
        id: u32,
        at: usize,
        bit_off: u32,
        bit_sz: u32,
        depth: usize,
    ) -> std::result::Result<(), i32> {
        if depth > super::c::MAX_NESTING {
            return Err(EINVAL);
        }
        if self.spent() {
            return Err(E2BIG);
        }
        let Some((_, t)) = self.skip_mods_and_typedefs(id) else {
            return Err(EINVAL);
        };
        match t.kind() {
            Some(Kind::Int) if bit_sz != 0 => {
                let v = self.bitfield_value(walk, &t, at, bit_off, bit_sz)?;
                if v == 0 { Err(ENODATA) } else { Ok(()) }
            }
            Some(Kind::Int | Kind::Float | Kind::Ptr) => {
                let n = if t.is(Kind::Ptr) {
                    self.pointer_size as usize
                } else {
                    t.size() as usize
                };
                if !(1..=16).contains(&n) {
                    return Err(EINVAL);
                }
                if (0..n).all(|i| walk.byte(at + i) == 0) {
                    Err(ENODATA)
                } else {
                    Ok(())
                }
            }
            Some(Kind::Array) => {
                let a = t.array();
                let elem_size = self.size(a.elem_type).unwrap_or(0) as u32 as usize;
                let is_char = self
                    .skip_mods_and_typedefs(a.elem_type)
                    .is_some_and(|(_, e)| e.is(Kind::Int))
                    && elem_size == 1;
                for i in 0..a.nelems as usize {
                    if i == 0 && is_char && walk.byte(at) == 0 {
                        return Err(ENODATA);
                    }
                    let r = self.check_zero_inner(
                        walk,
                        a.elem_type,
                        at.wrapping_add(i.wrapping_mul(elem_size)),
                        bit_off,
                        0,
                        depth + 1,
                    );
                    if r != Err(ENODATA) {
                        return r;
                    }
                }
                Err(ENODATA)
            }
            Some(Kind::Struct | Kind::Union) => {
                // libbpf compares with +ENODATA here, so the first member decides.
                if let Some(m) = t.members().next() {
                    let off = m.bit_offset();
                    return self.check_zero_inner(
                        walk,
                        m.type_id,
                        at + (off / 8) as usize,
                        off % 8,
                        m.bitfield_size(),
                        depth + 1,
                    );
                }
                Err(ENODATA)
            }
            Some(Kind::Enum | Kind::Enum64) => {
                if self.enum_value(walk, &t, id, at)? == 0 {
                    Err(ENODATA)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// A bitfield's bits, `bit_sz` of them from `bit_off` in the type's bytes at `at`
    /// (little-endian layout, as on the machines this runs on).
    fn bitfield_value(
        &mut self,
        walk: &Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
        bit_off: u32,
        bit_sz: u32,
    ) -> std::result::Result<u64, i32> {
        let start_bit = (bit_off % 8) as u8;
        let nr_bytes = (u32::from(start_bit) + bit_sz).div_ceil(8) as u8 as usize;
        if at + nr_bytes > walk.data.len() {
            return Err(E2BIG);
        }
        if t.size() > 8 {
            return Err(EINVAL);
        }
        let mut num = 0u64;
        for i in (0..t.size() as usize).rev() {
            num = num
                .wrapping_mul(256)
                .wrapping_add(u64::from(walk.byte(at + i)));
        }
        // libbpf shifts by 64 - bits, which is 64 for a zero count (an unaligned enum): its
        // build of that undefined shift gives 0, and so does this.
        let nr_copy_bits = (bit_sz + bit_off) as u8;
        let left = 64u32.wrapping_sub(u32::from(nr_copy_bits)) as u16;
        let right = 64u32.wrapping_sub(bit_sz as u8 as u32) as u16;
        let shifted = if left >= 64 { 0 } else { num << left };
        Ok(if right >= 64 { 0 } else { shifted >> right })
    }

    fn int_data(
        &mut self,
        walk: &mut Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        let signed = t.int_encoding() & 1 != 0;
        match t.size() {
            16 => {
                let b: [u8; 16] = walk.bytes(at);
                let lsi = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
                let msi = u64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
                if msi == 0 {
                    self.values(walk, format_args!("0x{lsi:x}"));
                } else {
                    self.values(walk, format_args!("0x{msi:x}{lsi:016x}"));
                }
            }
            8 => {
                let v = u64::from_le_bytes(walk.bytes(at));
                if signed {
                    self.values(walk, format_args!("{}", v as i64));
                } else {
                    self.values(walk, format_args!("{v}"));
                }
            }
            4 => {
                let v = u32::from_le_bytes(walk.bytes(at));
                if signed {
                    self.values(walk, format_args!("{}", v as i32));
                } else {
                    self.values(walk, format_args!("{v}"));
                }
            }
            2 => {
                let v = u16::from_le_bytes(walk.bytes(at));
                if signed {
                    self.values(walk, format_args!("{}", v as i16));
                } else {
                    self.values(walk, format_args!("{v}"));
                }
            }
            1 => {
                let c = walk.byte(at);
                if walk.is_array_char {
                    if walk.is_array_terminated {
                        return Ok(());
                    }
                    if c == 0 {
                        self.values(walk, format_args!("'\\0'"));
                        walk.is_array_terminated = true;
                        return Ok(());
                    }
                    if printable(c) {
                        self.values(walk, format_args!("'{}'", c as char));
                        return Ok(());
                    }
                }
                if signed {
                    self.values(walk, format_args!("{}", c as i8));
                } else {
                    self.values(walk, format_args!("{c}"));
                }
            }
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    fn float_data(
        &mut self,
        walk: &Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        let text = match t.size() {
            16 => format_f(extended_to_f64(walk.bytes(at))),
            8 => format_f(f64::from_le_bytes(walk.bytes(at))),
            4 => format_f(f64::from(f32::from_le_bytes(walk.bytes(at)))),
            _ => return Err(EINVAL),
        };
        self.values(walk, format_args!("{text}"));
        Ok(())
    }

    fn ptr_data(&mut self, walk: &Walk<'_>, id: u32, at: usize) {
        let native = std::mem::size_of::<usize>() as u32;
        if self.is_aligned(walk, id, at) && self.pointer_size == native {
            // glibc's %p
            let v = u64::from_le_bytes(walk.bytes(at));
            if v == 0 {
                self.values(walk, format_args!("(nil)"));
            } else {
                self.values(walk, format_args!("0x{v:x}"));
            }
        } else if self.pointer_size == 4 {
            let v = u32::from_le_bytes(walk.bytes(at));
            self.values(walk, format_args!("0x{v:x}"));
        } else {
            let v = u64::from_le_bytes(walk.bytes(at));
            self.values(walk, format_args!("0x{v:x}"));
        }
    }

    fn enum_value(
        &mut self,
        walk: &Walk<'_>,
        t: &TypeRef<'_>,
        id: u32,
        at: usize,
    ) -> std::result::Result<i64, i32> {
        if !self.is_aligned(walk, id, at) {
            return self.bitfield_value(walk, t, at, 0, 0).map(|v| v as i64);
        }
        let signed = t.kflag();
        Ok(match t.size() {
            8 => i64::from_le_bytes(walk.bytes(at)),
            4 if signed => i64::from(i32::from_le_bytes(walk.bytes(at))),
            4 => i64::from(u32::from_le_bytes(walk.bytes(at))),
            2 if signed => i64::from(i16::from_le_bytes(walk.bytes(at))),
            2 => i64::from(u16::from_le_bytes(walk.bytes(at))),
            1 if signed => i64::from(walk.byte(at) as i8),
            1 => i64::from(walk.byte(at)),
            _ => return Err(EINVAL),
        })
    }

    fn enum_data(&mut self, walk: &Walk<'_>, t: &TypeRef<'_>, value: i64) {
        let signed = t.kflag();
        if t.is(Kind::Enum) {
            for v in t.enum_values() {
                // libbpf compares the 64-bit value with the 32-bit one, sign-extended.
                if value == i64::from(v.val as i32) {
                    let name = self.name_at(v.name_off);
                    self.name_value(walk, name);
                    return;
                }
            }
            // libbpf's format is `signed ? "%d" : "%u" "%s%s"`: the literal concatenation binds
            // to the unsigned branch only, so a signed value comes without delimiter or newline.
            if signed {
                let _ = write!(self.out, "{}", value as i32);
            } else {
                self.values(walk, format_args!("{}", value as u32));
            }
        } else {
            for v in t.enum64_values() {
                if value == v.val as i64 {
                    let name = self.name_at(v.name_off);
                    self.name_value(walk, name);
                    return;
                }
            }
            if signed {
                let _ = write!(self.out, "{value}LL");
            } else {
                self.values(walk, format_args!("{}ULL", value as u64));
            }
        }
    }

    fn string_data(
        &mut self,
        walk: &Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        let n = t.array().nelems as usize;
        let mut end = None;
        for i in 0..n {
            if at + i >= walk.data.len() {
                return Err(E2BIG);
            }
            if walk.byte(at + i) == 0 {
                end = Some(i);
                break;
            }
        }
        let Some(end) = end else { return Err(EINVAL) };
        self.prefix(walk);
        self.put("\"");
        for i in 0..end {
            let c = walk.byte(at + i);
            if printable(c) {
                self.out.push(c);
            } else {
                let _ = write!(self.out, "\\x{c:02x}");
            }
        }
        self.put("\"");
        Ok(())
    }

    fn array_data(
        &mut self,
        walk: &mut Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        let a = t.array();
        let elem_size = match self.size(a.elem_type) {
            Some(s) if s > 0 && s <= i64::MAX as u64 => s as usize,
            _ => return Err(EINVAL),
        };
        let elem_is_int = self
            .skip_mods_and_typedefs(a.elem_type)
            .is_some_and(|(_, e)| e.is(Kind::Int));
        if elem_is_int && elem_size == 1 {
            if walk.opts.emit_strings && self.string_data(walk, t, at).is_ok() {
                return Ok(());
            }
            walk.is_array_char = true;
        }
        walk.depth += 1;
        let _ = write!(self.out, "[{}", walk.newline());
        let saved = (walk.is_array_member, walk.is_array_terminated);
        walk.is_array_member = true;
        walk.is_array_terminated = false;
        for i in 0..a.nelems as usize {
            if walk.is_array_terminated || self.over_limit() {
                break;
            }
            let elem_at = at + i * elem_size;
            let before = (self.out.len(), self.warnings.len(), walk.is_array_char);
            // Errors of single elements (past the data) are not the array's.
            let _ = self.data_value(walk, b"", a.elem_type, elem_at, 0, 0);
            // Every element from here on lies past the data, which reads as zeros, and meets the
            // same state: if this one left no trace, none of them would (libbpf walks them all:
            // hostile counts took seconds, and the work bound turned them into errors).
            let unchanged = before == (self.out.len(), self.warnings.len(), walk.is_array_char);
            if elem_at >= walk.data.len() && unchanged && !walk.is_array_terminated {
                break;
            }
        }
        (walk.is_array_member, walk.is_array_terminated) = saved;
        walk.depth -= 1;
        self.prefix(walk);
        self.values(walk, format_args!("]"));
        Ok(())
    }

    fn struct_data(
        &mut self,
        walk: &mut Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        walk.depth += 1;
        let _ = write!(self.out, "{{{}", walk.newline());
        for m in t.members() {
            let off = m.bit_offset();
            let name = self.name_at(m.name_off);
            self.data_value(
                walk,
                name,
                m.type_id,
                at + (off / 8) as usize,
                off % 8,
                m.bitfield_size() as u8 as u32,
            )?;
        }
        walk.depth -= 1;
        self.prefix(walk);
        self.values(walk, format_args!("}}"));
        Ok(())
    }

    fn var_data(
        &mut self,
        walk: &mut Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        let linkage = match t.var_linkage() {
            0 => "static ",
            2 => "extern ",
            _ => "",
        };
        self.put(linkage);
        self.type_cast(walk, t.type_id(), false);
        self.put(" ");
        let name = self.name_at(t.name_off());
        self.put(name);
        self.put(" = ");
        self.data_value(walk, b"", t.type_id(), at, 0, 0)
            .map(|_| ())
    }

    fn datasec_data(
        &mut self,
        walk: &mut Walk<'_>,
        t: &TypeRef<'_>,
        at: usize,
    ) -> std::result::Result<(), i32> {
        let name = self.name_at(t.name_off());
        self.put("SEC(\"");
        self.put(name);
        self.values(walk, format_args!("\") "));
        for v in t.datasec_vars() {
            self.data_value(walk, b"", v.type_id, at + v.offset as usize, 0, 0)?;
            self.put(";");
        }
        Ok(())
    }

    /// `(type)` before a value (not inside arrays, not for variables and sections).
    fn type_cast(&mut self, walk: &Walk<'_>, id: u32, top_level: bool) {
        if walk.is_array_member {
            return;
        }
        if self
            .ty(id)
            .is_some_and(|t| t.is(Kind::Var) || t.is(Kind::Datasec))
        {
            return;
        }
        if top_level {
            self.put("(");
        }
        self.skip_anon_defs = true;
        self.strip_mods = true;
        self.type_decl(id, b"", 0);
        self.strip_mods = false;
        self.skip_anon_defs = false;
        if top_level {
            self.put(")");
        }
    }
}
