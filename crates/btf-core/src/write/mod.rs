//! The write side, byte for byte as libbpf v1.7.0: new empty BTF, string interning
//! (`btf__add_str`, `btf__find_str`), every `btf__add_*`, `btf__add_type`, `btf__add_btf`, and the
//! pointer-size and endianness setters. Argument checks, their order and their errors follow
//! libbpf; so does the quirk that a member-adding call recomputes the owner's `info` word.

pub mod elf_write;
mod permute;
mod rawdata;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::mem::once::RaceOnce;
use crate::model::btf::{Btf, Endianness};
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw::{self, HEADER_LEN_V1, Header, Kind, MAX_STR_OFFSET};
use crate::model::strings::{self, StringIndex};
use crate::model::types::TypeRef;

/// libbpf's `BTF_MAX_NR_TYPES`: the largest type id an `add_*` call accepts as a reference.
pub const MAX_TYPE_ID: u32 = 0x7fff_ffff;

/// `enum btf_fwd_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FwdKind {
    /// `BTF_FWD_STRUCT`: a FWD for a struct.
    Struct = 0,
    /// `BTF_FWD_UNION`: a FWD for a union (kind flag set).
    Union = 1,
    /// `BTF_FWD_ENUM`: an ENUM of size 4 with no values (`btf__add_fwd` writes an empty enum).
    Enum = 2,
}

/// `enum btf_func_linkage`.
pub const FUNC_STATIC: u32 = 0;
/// `BTF_FUNC_GLOBAL`: a function visible outside its object.
pub const FUNC_GLOBAL: u32 = 1;
/// `BTF_FUNC_EXTERN`: a function defined elsewhere.
pub const FUNC_EXTERN: u32 = 2;
/// `enum btf_var_linkage`.
pub const VAR_STATIC: u32 = 0;
/// `BTF_VAR_GLOBAL_ALLOCATED`: a global variable with storage in this object.
pub const VAR_GLOBAL_ALLOCATED: u32 = 1;
/// `BTF_VAR_GLOBAL_EXTERN`: a global variable defined elsewhere.
pub const VAR_GLOBAL_EXTERN: u32 = 2;

/// libbpf's `btf_type_info`: note `vlen` is not masked, so a 65,536th member spills into bit 16.
fn make_info(kind: u32, vlen: u32, kflag: bool) -> u32 {
    (u32::from(kflag) << 31) | (kind << 24) | vlen
}

fn check_id(id: u32, what: &str) -> Result<()> {
    if id > MAX_TYPE_ID {
        return Err(Error::invalid(format!(
            "{what} {} is not a valid type id",
            id as i32
        )));
    }
    Ok(())
}

fn check_name(name: &[u8], what: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid(format!("{what} must not be empty")));
    }
    Ok(())
}

impl Btf {
    /// A new empty base BTF (`btf__new_empty`): 24-byte header, the empty string, native order,
    /// pointer size of this machine.
    pub fn new_empty() -> Btf {
        Self::new_empty_over(None)
    }

    /// A new empty split BTF over `base` (`btf__new_empty_split`), in the base's byte order.
    pub fn new_empty_split(base: Arc<Btf>) -> Btf {
        Self::new_empty_over(Some(base))
    }

    fn new_empty_over(base: Option<Arc<Btf>>) -> Btf {
        let endianness = base
            .as_ref()
            .map_or(Endianness::native(), |b| b.endianness());
        let split = base.is_some();
        let header = Header {
            magic: raw::BTF_MAGIC,
            version: 1,
            hdr_len: HEADER_LEN_V1,
            str_len: u32::from(!split),
            ..Header::default()
        };
        let mut btf = Btf::empty_with(base, header, endianness);
        if !split {
            btf.strings.to_mut().push(0);
        }
        btf.explicit_pointer_size
            .set(std::mem::size_of::<usize>() as u32);
        btf.modified.set();
        btf
    }

    /// Drops the retained original bytes, as libbpf's first modification does: from now on
    /// `raw_data` is rebuilt from header, types and strings. (Also drops the CO-RE candidate
    /// index, which is rebuilt on the next candidate search.)
    pub fn make_modifiable(&mut self) {
        self.modified.set();
        self.original = None;
        self.essential_names = RaceOnce::new();
    }

    /// Sets the byte order `raw_data` writes (`btf__set_endianness`).
    pub fn set_endianness(&self, endianness: Endianness) {
        self.endianness.set(endianness as u32);
    }

    /// Logical offset of string `s`, base chain first (`btf__find_str`); `None` where libbpf
    /// returns `-ENOENT`. Like libbpf's, a lookup that reaches an object makes it modifiable (its
    /// `raw_data` is rebuilt from then on): the bases it searches, and this object unless a base
    /// has the string.
    pub fn find_str(&self, s: impl AsRef<[u8]>) -> Option<u32> {
        let s = s.as_ref();
        self.find_str_hashed(s, strings::hash32(s))
    }

    /// `find_str` of `s` whose [`strings::hash32`] is `hash` (one hash for the whole chain).
    pub(crate) fn find_str_hashed(&self, s: &[u8], hash: u32) -> Option<u32> {
        if let Some(off) = self.base.as_ref().and_then(|b| b.find_str_hashed(s, hash)) {
            return Some(off);
        }
        self.modified.set();
        let index = self
            .str_index
            .get_or_init(|| StringIndex::build(&self.strings));
        index
            .find_hashed(&self.strings, s, hash)
            .map(|off| self.start_str_off + off)
    }

    /// Logical offset of string `s`, appending it to this object's strings when neither the base
    /// chain nor this object has it (`btf__add_str`).
    pub fn add_str(&mut self, s: impl AsRef<[u8]>) -> Result<u32> {
        let s = s.as_ref();
        if s.contains(&0) {
            return Err(Error::invalid("a BTF string cannot contain a NUL byte"));
        }
        self.add_str_no_nul(s)
    }

    /// `add_str` of a string known to hold no NUL byte.
    fn add_str_no_nul(&mut self, s: &[u8]) -> Result<u32> {
        let hash = strings::hash32(s);
        if let Some(off) = self.base.as_ref().and_then(|b| b.find_str_hashed(s, hash)) {
            return Ok(off);
        }
        self.make_modifiable();
        if self.strings.len() + s.len() + 1 > MAX_STR_OFFSET as usize {
            return Err(Error::new(
                ErrorKind::Os(12),
                "string section would exceed 2 GiB",
            ));
        }
        if self.str_index.get().is_none() {
            // `&mut self` excludes other writers: the cell, just seen empty, takes this value.
            self.str_index.set(StringIndex::build(&self.strings));
        }
        let Some(index) = self.str_index.get_mut() else {
            return Err(Error::invalid("string index unavailable"));
        };
        let off = index.intern_hashed(self.strings.to_mut(), s, hash);
        self.header.str_len = self.strings.len() as u32;
        Ok(self.start_str_off + off)
    }

    /// `add_str` for an optional name: empty means anonymous (offset 0).
    fn add_name(&mut self, name: &[u8]) -> Result<u32> {
        if name.is_empty() {
            Ok(0)
        } else {
            self.add_str(name)
        }
    }

    /// Appends a whole record and returns its id (libbpf's `btf_commit_type`).
    pub(crate) fn commit_type(&mut self, words: &[u32]) -> u32 {
        self.make_modifiable();
        let id = self.type_cnt();
        self.type_offs.push(self.types.len() as u32);
        self.types.to_mut().extend_from_slice(words);
        let bytes = words.len() as u32 * 4;
        self.header.type_len += bytes;
        self.header.str_off += bytes;
        if let Some(mut names) = self.names.take() {
            if let Some(t) = self.type_by_id(id) {
                names.add(self, &t);
            }
            self.names = RaceOnce::from(names);
        }
        id
    }

    /// The last own type, which member-adding calls extend.
    fn last_own(&self) -> Option<TypeRef<'_>> {
        if self.type_offs.is_empty() {
            None
        } else {
            self.type_by_id(self.type_cnt() - 1)
        }
    }

    /// Appends one element to the last type and rewrites its `info` word.
    fn extend_last(&mut self, elem: &[u32], info: u32) {
        self.make_modifiable();
        if let Some(&start) = self.type_offs.last() {
            self.types.to_mut()[start as usize + 1] = info;
        }
        self.types.to_mut().extend_from_slice(elem);
        let bytes = elem.len() as u32 * 4;
        self.header.type_len += bytes;
        self.header.str_off += bytes;
    }

    /// The last own type if it is of one of `kinds`, for member-adding calls.
    fn last_of(&self, kinds: &[Kind], call: &str) -> Result<(u32, u32, bool)> {
        let t = self.last_own().ok_or_else(|| {
            Error::invalid(format!(
                "{call}: no type to add to (this BTF has no own types)"
            ))
        })?;
        if !kinds.iter().any(|&k| t.is(k)) {
            return Err(Error::invalid(format!(
                "{call}: the last type [{}] is a {}, not a {}",
                t.id(),
                crate::read::parse::kind_name(&t),
                kinds
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        Ok((t.kind_raw(), t.vlen(), t.kflag()))
    }

    fn add_ref_kind(&mut self, kind: Kind, name: &[u8], ref_id: u32, kflag: bool) -> Result<u32> {
        check_id(ref_id, "referenced type")?;
        let name_off = self.add_name(name)?;
        Ok(self.commit_type(&[name_off, make_info(kind as u32, 0, kflag), ref_id]))
    }

    /// `btf__add_int`: `byte_sz` a power of two up to 16, `encoding` of `BTF_INT_SIGNED|CHAR|BOOL`.
    pub fn add_int(
        &mut self,
        name: impl AsRef<[u8]>,
        byte_sz: usize,
        encoding: i32,
    ) -> Result<u32> {
        let name = name.as_ref();
        check_name(name, "INT name")?;
        if !byte_sz.is_power_of_two() || byte_sz > 16 {
            return Err(Error::invalid(format!(
                "INT size {byte_sz} is not a power of two up to 16"
            )));
        }
        if encoding & !((raw::INT_SIGNED | raw::INT_CHAR | raw::INT_BOOL) as i32) != 0 {
            return Err(Error::invalid(format!(
                "INT encoding {encoding} has unknown bits"
            )));
        }
        let name_off = self.add_str(name)?;
        let data = ((encoding as u32) << 24) | (byte_sz as u32 * 8);
        Ok(self.commit_type(&[
            name_off,
            make_info(Kind::Int as u32, 0, false),
            byte_sz as u32,
            data,
        ]))
    }

    /// `btf__add_float`: size 2, 4, 8, 12 or 16.
    pub fn add_float(&mut self, name: impl AsRef<[u8]>, byte_sz: usize) -> Result<u32> {
        let name = name.as_ref();
        check_name(name, "FLOAT name")?;
        if ![2, 4, 8, 12, 16].contains(&byte_sz) {
            return Err(Error::invalid(format!(
                "FLOAT size {byte_sz} is not 2, 4, 8, 12 or 16"
            )));
        }
        let name_off = self.add_str(name)?;
        Ok(self.commit_type(&[
            name_off,
            make_info(Kind::Float as u32, 0, false),
            byte_sz as u32,
        ]))
    }

    /// `btf__add_ptr`.
    pub fn add_ptr(&mut self, ref_id: u32) -> Result<u32> {
        self.add_ref_kind(Kind::Ptr, b"", ref_id, false)
    }
    /// `btf__add_const`.
    pub fn add_const(&mut self, ref_id: u32) -> Result<u32> {
        self.add_ref_kind(Kind::Const, b"", ref_id, false)
    }
    /// `btf__add_volatile`.
    pub fn add_volatile(&mut self, ref_id: u32) -> Result<u32> {
        self.add_ref_kind(Kind::Volatile, b"", ref_id, false)
    }
    /// `btf__add_restrict`.
    pub fn add_restrict(&mut self, ref_id: u32) -> Result<u32> {
        self.add_ref_kind(Kind::Restrict, b"", ref_id, false)
    }
    /// `btf__add_typedef`: a name is required.
    pub fn add_typedef(&mut self, name: impl AsRef<[u8]>, ref_id: u32) -> Result<u32> {
        check_name(name.as_ref(), "TYPEDEF name")?;
        self.add_ref_kind(Kind::Typedef, name.as_ref(), ref_id, false)
    }
    /// `btf__add_type_tag`.
    pub fn add_type_tag(&mut self, value: impl AsRef<[u8]>, ref_id: u32) -> Result<u32> {
        check_name(value.as_ref(), "TYPE_TAG value")?;
        self.add_ref_kind(Kind::TypeTag, value.as_ref(), ref_id, false)
    }
    /// `btf__add_type_attr`: a TYPE_TAG with the kind flag set.
    pub fn add_type_attr(&mut self, value: impl AsRef<[u8]>, ref_id: u32) -> Result<u32> {
        check_name(value.as_ref(), "TYPE_TAG attribute value")?;
        self.add_ref_kind(Kind::TypeTag, value.as_ref(), ref_id, true)
    }

    /// `btf__add_array`: ids are range-checked only.
    pub fn add_array(&mut self, index_id: u32, elem_id: u32, nr_elems: u32) -> Result<u32> {
        check_id(index_id, "ARRAY index type")?;
        check_id(elem_id, "ARRAY element type")?;
        Ok(self.commit_type(&[
            0,
            make_info(Kind::Array as u32, 0, false),
            0,
            elem_id,
            index_id,
            nr_elems,
        ]))
    }

    fn add_composite(&mut self, kind: Kind, name: &[u8], byte_sz: u32) -> Result<u32> {
        let name_off = self.add_name(name)?;
        Ok(self.commit_type(&[name_off, make_info(kind as u32, 0, false), byte_sz]))
    }
    /// `btf__add_struct`: members follow with `add_field`.
    pub fn add_struct(&mut self, name: impl AsRef<[u8]>, byte_sz: u32) -> Result<u32> {
        self.add_composite(Kind::Struct, name.as_ref(), byte_sz)
    }
    /// `btf__add_union`.
    pub fn add_union(&mut self, name: impl AsRef<[u8]>, byte_sz: u32) -> Result<u32> {
        self.add_composite(Kind::Union, name.as_ref(), byte_sz)
    }

    /// `btf__add_field`: a member of the last STRUCT/UNION; a bitfield when `bit_size != 0` or the
    /// offset is not byte-aligned, which sets the owner's kind flag.
    pub fn add_field(
        &mut self,
        name: impl AsRef<[u8]>,
        type_id: u32,
        bit_offset: u32,
        bit_size: u32,
    ) -> Result<()> {
        let (kind, vlen, kflag) = self.last_of(&[Kind::Struct, Kind::Union], "add_field")?;
        check_id(type_id, "member type")?;
        let is_bitfield = bit_size != 0 || bit_offset % 8 != 0;
        if is_bitfield && (bit_size == 0 || bit_size > 255 || bit_offset > 0x00ff_ffff) {
            return Err(Error::invalid(format!(
                "bitfield of {bit_size} bits at bit {bit_offset} is not encodable"
            )));
        }
        if kind == Kind::Union as u32 && bit_offset != 0 {
            return Err(Error::invalid(format!(
                "union member at bit offset {bit_offset}: unions need offset 0"
            )));
        }
        let name_off = self.add_name(name.as_ref())?;
        let info = make_info(kind, vlen + 1, is_bitfield || kflag);
        self.extend_last(&[name_off, type_id, bit_offset | (bit_size << 24)], info);
        Ok(())
    }

    fn add_enum_common(
        &mut self,
        kind: Kind,
        name: &[u8],
        byte_sz: u32,
        signed: bool,
    ) -> Result<u32> {
        if !byte_sz.is_power_of_two() || byte_sz > 8 {
            return Err(Error::invalid(format!(
                "{} size {byte_sz} is not a power of two up to 8",
                kind.name()
            )));
        }
        let name_off = self.add_name(name)?;
        Ok(self.commit_type(&[name_off, make_info(kind as u32, 0, signed), byte_sz]))
    }
    /// `btf__add_enum`: unsigned until a negative value is added.
    pub fn add_enum(&mut self, name: impl AsRef<[u8]>, byte_sz: u32) -> Result<u32> {
        self.add_enum_common(Kind::Enum, name.as_ref(), byte_sz, false)
    }
    /// `btf__add_enum64`.
    pub fn add_enum64(
        &mut self,
        name: impl AsRef<[u8]>,
        byte_sz: u32,
        signed: bool,
    ) -> Result<u32> {
        self.add_enum_common(Kind::Enum64, name.as_ref(), byte_sz, signed)
    }

    /// `btf__add_enum_value`: a value of the last ENUM, in `[i32::MIN, u32::MAX]` (else `E2BIG`).
    pub fn add_enum_value(&mut self, name: impl AsRef<[u8]>, value: i64) -> Result<()> {
        let (kind, vlen, kflag) = self.last_of(&[Kind::Enum], "add_enum_value")?;
        check_name(name.as_ref(), "enumerator name")?;
        if value < i64::from(i32::MIN) || value > i64::from(u32::MAX) {
            return Err(Error::new(
                ErrorKind::TooBig,
                format!("enumerator value {value} does not fit 32 bits"),
            ));
        }
        let name_off = self.add_str(name)?;
        let mut info = make_info(kind, vlen + 1, kflag);
        if value < 0 {
            info = make_info(kind, raw::info_vlen(info), true);
        }
        self.extend_last(&[name_off, value as u32], info);
        Ok(())
    }

    /// `btf__add_enum64_value`: a value of the last ENUM64.
    pub fn add_enum64_value(&mut self, name: impl AsRef<[u8]>, value: u64) -> Result<()> {
        let (kind, vlen, kflag) = self.last_of(&[Kind::Enum64], "add_enum64_value")?;
        check_name(name.as_ref(), "enumerator name")?;
        let name_off = self.add_str(name)?;
        self.extend_last(
            &[name_off, value as u32, (value >> 32) as u32],
            make_info(kind, vlen + 1, kflag),
        );
        Ok(())
    }

    /// `btf__add_fwd`: a FWD for structs and unions, a 4-byte empty ENUM for enums.
    pub fn add_fwd(&mut self, name: impl AsRef<[u8]>, fwd_kind: FwdKind) -> Result<u32> {
        let name = name.as_ref();
        check_name(name, "FWD name")?;
        match fwd_kind {
            FwdKind::Struct | FwdKind::Union => {
                self.add_ref_kind(Kind::Fwd, name, 0, fwd_kind == FwdKind::Union)
            }
            FwdKind::Enum => self.add_enum(name, 4),
        }
    }

    /// `btf__add_func`: linkage static, global or extern, stored in vlen.
    pub fn add_func(&mut self, name: impl AsRef<[u8]>, linkage: u32, proto_id: u32) -> Result<u32> {
        let name = name.as_ref();
        check_name(name, "FUNC name")?;
        if linkage > FUNC_EXTERN {
            return Err(Error::invalid(format!(
                "FUNC linkage {} is not static, global or extern",
                linkage as i32
            )));
        }
        check_id(proto_id, "FUNC prototype")?;
        let name_off = self.add_str(name)?;
        Ok(self.commit_type(&[
            name_off,
            make_info(Kind::Func as u32, linkage, false),
            proto_id,
        ]))
    }

    /// `btf__add_func_proto`: parameters follow with `add_func_param`.
    pub fn add_func_proto(&mut self, ret_id: u32) -> Result<u32> {
        check_id(ret_id, "return type")?;
        Ok(self.commit_type(&[0, make_info(Kind::FuncProto as u32, 0, false), ret_id]))
    }

    /// `btf__add_func_param`: a parameter of the last FUNC_PROTO; the name is optional.
    pub fn add_func_param(&mut self, name: impl AsRef<[u8]>, type_id: u32) -> Result<()> {
        check_id(type_id, "parameter type")?;
        let (kind, vlen, kflag) = self.last_of(&[Kind::FuncProto], "add_func_param")?;
        let name_off = self.add_name(name.as_ref())?;
        self.extend_last(&[name_off, type_id], make_info(kind, vlen + 1, kflag));
        Ok(())
    }

    /// `btf__add_var`: linkage static, global-allocated or global-extern.
    pub fn add_var(&mut self, name: impl AsRef<[u8]>, linkage: u32, type_id: u32) -> Result<u32> {
        let name = name.as_ref();
        check_name(name, "VAR name")?;
        if linkage > VAR_GLOBAL_EXTERN {
            return Err(Error::invalid(format!(
                "VAR linkage {} is not known",
                linkage as i32
            )));
        }
        check_id(type_id, "VAR type")?;
        let name_off = self.add_str(name)?;
        Ok(self.commit_type(&[
            name_off,
            make_info(Kind::Var as u32, 0, false),
            type_id,
            linkage,
        ]))
    }

    /// `btf__add_datasec`: entries follow with `add_datasec_var_info`.
    pub fn add_datasec(&mut self, name: impl AsRef<[u8]>, byte_sz: u32) -> Result<u32> {
        let name = name.as_ref();
        check_name(name, "DATASEC name")?;
        let name_off = self.add_str(name)?;
        Ok(self.commit_type(&[name_off, make_info(Kind::Datasec as u32, 0, false), byte_sz]))
    }

    /// `btf__add_datasec_var_info`: an entry of the last DATASEC.
    pub fn add_datasec_var_info(&mut self, var_id: u32, offset: u32, byte_sz: u32) -> Result<()> {
        let (kind, vlen, kflag) = self.last_of(&[Kind::Datasec], "add_datasec_var_info")?;
        check_id(var_id, "DATASEC variable")?;
        self.extend_last(&[var_id, offset, byte_sz], make_info(kind, vlen + 1, kflag));
        Ok(())
    }

    fn add_decl_tag_common(
        &mut self,
        value: &[u8],
        ref_id: u32,
        component_idx: i32,
        kflag: bool,
    ) -> Result<u32> {
        check_name(value, "DECL_TAG value")?;
        if component_idx < -1 {
            return Err(Error::invalid(format!(
                "DECL_TAG component index {component_idx} is below -1"
            )));
        }
        check_id(ref_id, "DECL_TAG target")?;
        let value_off = self.add_str(value)?;
        Ok(self.commit_type(&[
            value_off,
            make_info(Kind::DeclTag as u32, 0, kflag),
            ref_id,
            component_idx as u32,
        ]))
    }
    /// `btf__add_decl_tag`.
    pub fn add_decl_tag(
        &mut self,
        value: impl AsRef<[u8]>,
        ref_id: u32,
        component_idx: i32,
    ) -> Result<u32> {
        self.add_decl_tag_common(value.as_ref(), ref_id, component_idx, false)
    }
    /// `btf__add_decl_attr`: a DECL_TAG with the kind flag set.
    pub fn add_decl_attr(
        &mut self,
        value: impl AsRef<[u8]>,
        ref_id: u32,
        component_idx: i32,
    ) -> Result<u32> {
        self.add_decl_tag_common(value.as_ref(), ref_id, component_idx, true)
    }

    /// `btf__add_type`: copies one record of `src` (this object when `src` is `None`) with its
    /// strings re-interned here; type ids are copied unchanged. `rec` must hold the whole record.
    pub fn add_type_record(&mut self, src: Option<&Btf>, rec: &[u32]) -> Result<u32> {
        let words = record_words(rec)?;
        let mut copy = rec[..words].to_vec();
        let positions = field_positions(
            raw::info_kind(copy[1]),
            raw::info_vlen(copy[1]),
            FieldKind::Strings,
        )
        .ok_or_else(|| Error::invalid("add_type: record of an unknown kind"))?;
        let src_strings: Vec<(usize, Vec<u8>)> = positions
            .filter(|&p| copy[p] != 0)
            .map(|p| {
                let from = src.unwrap_or(self);
                from.str_bytes(copy[p])
                    .map(|s| (p, s.to_vec()))
                    .ok_or_else(|| {
                        Error::invalid(format!(
                            "add_type: string offset {} is not in the source BTF",
                            copy[p]
                        ))
                    })
            })
            .collect::<Result<_>>()?;
        for (p, s) in src_strings {
            copy[p] = self.add_str(&s)?;
        }
        Ok(self.commit_type(&copy))
    }

    /// `btf__add_type` for a type of `src`.
    pub fn add_type(&mut self, src: &Btf, t: &TypeRef<'_>) -> Result<u32> {
        self.add_type_record(Some(src), t.words())
    }

    /// `btf__add_btf`: appends every own type of `src`, remapping its own type ids after this
    /// object's types and re-interning its own strings. A split `src` must share this object's
    /// base (`EOPNOTSUPP` otherwise). All or nothing. Returns the id of the first added type.
    /// As in libbpf 1.7.0, adding a `src` without types to an object that never had a type fails
    /// with `ENOMEM`.
    ///
    /// Like libbpf, the records are copied in bulk and then rewritten in place.
    pub fn add_btf(&mut self, src: &Btf) -> Result<u32> {
        if let Some(src_base) = &src.base {
            let same = self.base.as_ref().is_some_and(|b| Arc::ptr_eq(b, src_base));
            if !same {
                return Err(Error::new(
                    ErrorKind::Os(95),
                    "add_btf: split source BTF has a different base",
                ));
            }
        }
        self.make_modifiable();
        if self.type_offs.is_empty() && src.type_offs.is_empty() {
            // libbpf 1.7.0 reserves room for `src`'s type offsets in its offset array, which is
            // still NULL when this BTF never had a type; a zero-sized reservation then returns
            // that NULL, which libbpf reports as an allocation failure.
            return Err(Error::new(
                ErrorKind::Os(12),
                "add_btf: neither BTF has types (libbpf 1.7.0 reports ENOMEM)",
            ));
        }
        let first_id = self.type_cnt();
        let (old_types, old_offs, old_strings) =
            (self.types.len(), self.type_offs.len(), self.strings.len());
        let old_header = self.header;
        let word_shift = old_types as u32;
        self.types.to_mut().extend_from_slice(&src.types);
        self.type_offs
            .extend(src.type_offs.iter().map(|&o| o + word_shift));
        if let Err(e) = self.remap_appended(src, old_offs, first_id - src.start_id) {
            self.types.to_mut().truncate(old_types);
            self.type_offs.truncate(old_offs);
            self.strings.to_mut().truncate(old_strings);
            if let Some(index) = self.str_index.get_mut() {
                index.truncate(old_strings as u32);
            }
            self.header = old_header;
            self.names = RaceOnce::new();
            return Err(e);
        }
        let bytes = ((self.types.len() - old_types) * 4) as u32;
        self.header.type_len += bytes;
        self.header.str_off += bytes;
        if let Some(mut names) = self.names.take() {
            for id in first_id..self.type_cnt() {
                if let Some(t) = self.type_by_id(id) {
                    names.add(self, &t);
                }
            }
            self.names = RaceOnce::from(names);
        }
        Ok(first_id)
    }

    /// Rewrites the records of `src` appended from own type `from` on: own strings of `src`
    /// re-interned here, own type ids of `src` moved up by `shift`.
    fn remap_appended(&mut self, src: &Btf, from: usize, shift: u32) -> Result<()> {
        for i in from..self.type_offs.len() {
            let src_id = src.start_id + (i - from) as u32;
            let start = self.type_offs[i] as usize;
            let info = self.types[start + 1];
            let (kind, vlen) = (raw::info_kind(info), raw::info_vlen(info));
            let unknown = || {
                Error::invalid(format!(
                    "add_btf: type [{src_id}] is of kind {kind}, unknown to libbpf 1.7"
                ))
            };
            for p in field_positions(kind, vlen, FieldKind::Strings).ok_or_else(unknown)? {
                let off = self.types[start + p];
                if off == 0 || off < src.start_str_off {
                    continue;
                }
                let s = src.str_bytes(off).ok_or_else(|| {
                    Error::invalid(format!("add_btf: type [{src_id}]: bad string offset {off}"))
                })?;
                let off = self.add_str_no_nul(s)?;
                self.types.to_mut()[start + p] = off;
            }
            for p in field_positions(kind, vlen, FieldKind::TypeIds).ok_or_else(unknown)? {
                let id = &mut self.types.to_mut()[start + p];
                if *id != 0 && *id >= src.start_id {
                    *id = id.wrapping_add(shift);
                }
            }
        }
        Ok(())
    }
}

/// Length in words of the record at the start of `rec`, checked against `rec`.
fn record_words(rec: &[u32]) -> Result<usize> {
    let words = raw::record_len_words(rec)
        .ok_or_else(|| Error::invalid("type record of a kind that has no known size"))?;
    if rec.len() < words {
        return Err(Error::invalid(format!(
            "type record of {} words, {words} needed",
            rec.len()
        )));
    }
    Ok(words)
}

#[cfg(test)]
mod add_btf_quirk_tests {
    use super::*;

    /// libbpf 1.7.0's `btf__add_btf` fails with `-ENOMEM` when neither BTF has a type (its NULL
    /// type-offset array "grows" by zero to NULL); found by tests/write_differential.rs.
    #[test]
    fn add_btf_without_any_types_is_enomem() {
        let mut dst = Btf::new_empty();
        let src = Btf::new_empty();
        assert_eq!(dst.add_btf(&src).map_err(|e| e.errno()), Err(12));
        dst.add_int("int", 4, 1).unwrap();
        assert_eq!(dst.add_btf(&src).map_err(|e| e.errno()), Ok(2));
        let mut empty = Btf::new_empty();
        assert_eq!(empty.add_btf(&dst).map_err(|e| e.errno()), Ok(1));
    }
}
