//! The CHECK_META pass (`btf_check_all_metas`, `btf_check_meta` and each kind's `check_meta`):
//! record bounds, info bits, kind, name offset and name rules per kind, kind_flag and vlen rules,
//! sizes, member offsets, enum sizes, FUNC linkage, VAR linkage, DATASEC entries, DECL_TAG index.

use super::env::*;
use super::{E2BIG, EINVAL, ENOTSUPP, Rejection};

const BTF_INFO_MASK: u32 = 0x9f00_ffff;
const BTF_INT_MASK: u32 = 0x0fff_ffff;

fn id_valid(id: u32) -> bool {
    id <= BTF_MAX_TYPE
}

impl Env<'_> {
    /// `btf_parse_type_sec`'s own checks, before the metas (BPF_BTF_LOAD only).
    pub(super) fn check_type_section_header(&self) -> Result<(), Rejection> {
        if self.hdr.type_off & 3 != 0 {
            return Err(super::header::plain(EINVAL, "Unaligned type_off"));
        }
        if !self.split() && self.hdr.type_len == 0 {
            return Err(super::header::plain(EINVAL, "No type found"));
        }
        Ok(())
    }

    /// `btf_check_all_metas`: every record in order, numbering from 1 (or the base's count).
    pub(super) fn check_all_metas(&mut self) -> Result<(), Rejection> {
        let mut cur: u32 = 0;
        let mut id = if self.split() { self.start_id } else { 1 };
        // `btf_add_type`'s growth of its array, to reproduce its type-count limit.
        let mut types_size: u32 = 0;
        let mut nr: u32 = 0;
        while cur < self.type_len {
            let meta_left = self.type_len - cur;
            let size = self.check_meta(id, cur / 4, meta_left)?;
            if types_size == nr {
                if self.start_id.wrapping_add(types_size) == BTF_MAX_TYPE {
                    return Err(self.reject_plain(
                        id,
                        E2BIG,
                        "Exceeded max num of types".to_string(),
                    ));
                }
                let expand = (types_size >> 2).max(16);
                types_size = BTF_MAX_TYPE.min(types_size + expand);
                if nr == 0 && !self.split() {
                    nr += 1; // void
                }
            }
            nr += 1;
            self.offs.push(cur / 4);
            cur += size;
            id = id.wrapping_add(1);
        }
        Ok(())
    }

    /// `btf_check_meta`: returns the record's size in bytes.
    fn check_meta(&self, id: u32, w: u32, meta_left: u32) -> Result<u32, Rejection> {
        if meta_left < 12 {
            return Err(self.reject_plain(
                id,
                EINVAL,
                format!("[{id}] meta_left:{meta_left} meta_needed:12"),
            ));
        }
        let t = T {
            id,
            w: self.words.get(w as usize..).unwrap_or(&[]),
        };
        if t.info() & !BTF_INFO_MASK != 0 {
            return Err(self.reject_plain(
                id,
                EINVAL,
                format!("[{id}] Invalid btf_info:{:x}", t.info()),
            ));
        }
        if t.kind() > K_MAX || t.kind() == 0 {
            return Err(self.reject_plain(id, EINVAL, format!("[{id}] Invalid kind:{}", t.kind())));
        }
        if !self.name_offset_valid(t.name_off()) {
            return Err(self.reject_plain(
                id,
                EINVAL,
                format!("[{id}] Invalid name_offset:{}", t.name_off()),
            ));
        }
        let left = meta_left - 12;
        let extra = match t.kind() {
            K_INT => self.int_meta(&t, left)?,
            K_PTR | K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG => {
                self.ref_meta(&t)?
            }
            K_ARRAY => self.array_meta(&t, left)?,
            K_STRUCT | K_UNION => self.struct_meta(&t, left)?,
            K_ENUM => self.enum_meta(&t, left, 8)?,
            K_ENUM64 => self.enum_meta(&t, left, 12)?,
            K_FWD => self.fwd_meta(&t)?,
            K_FUNC => self.func_meta(&t)?,
            K_FUNC_PROTO => self.func_proto_meta(&t, left)?,
            K_VAR => self.var_meta(&t, left)?,
            K_DATASEC => self.datasec_meta(&t, left)?,
            K_FLOAT => self.float_meta(&t)?,
            _ => self.decl_tag_meta(&t, left)?,
        };
        Ok(12 + extra)
    }

    fn ty(&self, t: &T<'_>, reason: &str) -> Rejection {
        self.reject_type(t.id, t, true, reason)
    }

    fn meta_left(&self, t: &T<'_>, left: u32, needed: u32) -> Result<(), Rejection> {
        if left < needed {
            return Err(self.reject_type(
                t.id,
                t,
                false,
                &format!("meta_left:{left} meta_needed:{needed}"),
            ));
        }
        Ok(())
    }

    fn int_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        self.meta_left(t, left, 4)?;
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        let d = t.word(3);
        if d & !BTF_INT_MASK != 0 {
            return Err(self.reject_type(t.id, t, false, &format!("Invalid int_data:{d:x}")));
        }
        let nr_bits = (d & 0xff) + ((d >> 16) & 0xff);
        if nr_bits > 128 {
            return Err(self.ty(t, "nr_bits exceeds 128"));
        }
        if nr_bits.div_ceil(8) > t.st() {
            return Err(self.ty(t, "nr_bits exceeds type_size"));
        }
        let enc = (d >> 24) & 0x0f;
        if enc != 0 && enc != 1 && enc != 2 && enc != 4 {
            let mut r = self.ty(t, "Unsupported encoding");
            r.errno = ENOTSUPP;
            return Err(r);
        }
        Ok(4)
    }

    fn ref_meta(&self, t: &T<'_>) -> Result<u32, Rejection> {
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if t.kflag() && t.kind() != K_TYPE_TAG {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        if !id_valid(t.st()) {
            return Err(self.ty(t, "Invalid type_id"));
        }
        let bad_name = match t.kind() {
            K_TYPEDEF => t.name_off() == 0 || !self.name_valid_identifier(t.name_off()),
            K_TYPE_TAG => self.str_at(t.name_off()).is_none_or(|s| s.is_empty()),
            _ => t.name_off() != 0,
        };
        if bad_name {
            return Err(self.ty(t, "Invalid name"));
        }
        Ok(0)
    }

    fn fwd_meta(&self, t: &T<'_>) -> Result<u32, Rejection> {
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if t.st() != 0 {
            return Err(self.ty(t, "type != 0"));
        }
        if t.name_off() == 0 || !self.name_valid_identifier(t.name_off()) {
            return Err(self.ty(t, "Invalid name"));
        }
        Ok(0)
    }

    fn array_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        self.meta_left(t, left, 12)?;
        if t.name_off() != 0 {
            return Err(self.ty(t, "Invalid name"));
        }
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        if t.st() != 0 {
            return Err(self.ty(t, "size != 0"));
        }
        let (elem, index) = (t.word(3), t.word(4));
        if elem == 0 || !id_valid(elem) {
            return Err(self.ty(t, "Invalid elem"));
        }
        if index == 0 || !id_valid(index) {
            return Err(self.ty(t, "Invalid index"));
        }
        Ok(12)
    }

    fn struct_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        let is_union = t.kind() == K_UNION;
        let needed = t.vlen() * 12;
        self.meta_left(t, left, needed)?;
        if t.name_off() != 0 && !self.name_valid_identifier(t.name_off()) {
            return Err(self.ty(t, "Invalid name"));
        }
        let mut last_offset = 0u32;
        for i in 0..t.vlen() as usize {
            let m = [t.word(3 + 3 * i), t.word(4 + 3 * i), t.word(5 + 3 * i)];
            let mem = |reason: &str| self.reject_member(t.id, t, m, reason, false);
            if !self.name_offset_valid(m[0]) {
                return Err(mem(&format!("Invalid member name_offset:{}", m[0])));
            }
            if m[0] != 0 && !self.name_valid_identifier(m[0]) {
                return Err(mem("Invalid name"));
            }
            if m[1] == 0 || !id_valid(m[1]) {
                return Err(mem("Invalid type_id"));
            }
            let offset = if t.kflag() { m[2] & 0x00ff_ffff } else { m[2] };
            if is_union && offset != 0 {
                return Err(mem("Invalid member bits_offset"));
            }
            if last_offset > offset {
                return Err(mem("Invalid member bits_offset"));
            }
            if offset.div_ceil(8) > t.st() {
                return Err(mem("Member bits_offset exceeds its struct size"));
            }
            last_offset = offset;
        }
        Ok(needed)
    }

    fn enum_meta(&self, t: &T<'_>, left: u32, rec: u32) -> Result<u32, Rejection> {
        let needed = t.vlen() * rec;
        self.meta_left(t, left, needed)?;
        if t.st() > 8 || !t.st().is_power_of_two() {
            return Err(self.ty(t, "Unexpected size"));
        }
        if t.name_off() != 0 && !self.name_valid_identifier(t.name_off()) {
            return Err(self.ty(t, "Invalid name"));
        }
        let step = (rec / 4) as usize;
        for i in 0..t.vlen() as usize {
            let name = t.word(3 + step * i);
            if !self.name_offset_valid(name) {
                return Err(self.reject_plain(
                    t.id,
                    EINVAL,
                    format!("\tInvalid name_offset:{name}"),
                ));
            }
            if name == 0 || !self.name_valid_identifier(name) {
                return Err(self.ty(t, "Invalid name"));
            }
        }
        Ok(needed)
    }

    fn func_proto_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        let needed = t.vlen() * 8;
        self.meta_left(t, left, needed)?;
        if t.name_off() != 0 {
            return Err(self.ty(t, "Invalid name"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        Ok(needed)
    }

    fn func_meta(&self, t: &T<'_>) -> Result<u32, Rejection> {
        if t.name_off() == 0 || !self.name_valid_identifier(t.name_off()) {
            return Err(self.ty(t, "Invalid name"));
        }
        if t.vlen() > 1 {
            return Err(self.ty(t, "Invalid func linkage"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        Ok(0)
    }

    fn var_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        self.meta_left(t, left, 4)?;
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        if t.name_off() == 0 || !self.name_valid_identifier(t.name_off()) {
            return Err(self.ty(t, "Invalid name"));
        }
        if t.st() == 0 || !id_valid(t.st()) {
            return Err(self.ty(t, "Invalid type_id"));
        }
        let linkage = t.word(3);
        if linkage != 0 && linkage != 1 {
            return Err(self.ty(t, "Linkage not supported"));
        }
        Ok(4)
    }

    fn datasec_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        let needed = t.vlen() * 12;
        self.meta_left(t, left, needed)?;
        if t.st() == 0 {
            return Err(self.ty(t, "size == 0"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        if t.name_off() == 0 || !self.name_valid_section(t.name_off()) {
            return Err(self.ty(t, "Invalid name"));
        }
        let mut last_end: u64 = 0;
        let mut sum: u64 = 0;
        for i in 0..t.vlen() as usize {
            let v = [t.word(3 + 3 * i), t.word(4 + 3 * i), t.word(5 + 3 * i)];
            let bad = |reason: &str| self.reject_vsi(t.id, t, v, reason, false);
            if v[0] == 0 || !id_valid(v[0]) {
                return Err(bad("Invalid type_id"));
            }
            if (v[1] as u64) < last_end || v[1] >= t.st() {
                return Err(bad("Invalid offset"));
            }
            if v[2] == 0 || v[2] > t.st() {
                return Err(bad("Invalid size"));
            }
            last_end = v[1].wrapping_add(v[2]) as u64;
            if last_end > t.st() as u64 {
                return Err(bad("Invalid offset+size"));
            }
            sum += v[2] as u64;
        }
        if (t.st() as u64) < sum {
            return Err(self.ty(t, "Invalid btf_info size"));
        }
        Ok(needed)
    }

    fn float_meta(&self, t: &T<'_>) -> Result<u32, Rejection> {
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if t.kflag() {
            return Err(self.ty(t, "Invalid btf_info kind_flag"));
        }
        if !matches!(t.st(), 2 | 4 | 8 | 12 | 16) {
            return Err(self.ty(t, "Invalid type_size"));
        }
        Ok(0)
    }

    fn decl_tag_meta(&self, t: &T<'_>, left: u32) -> Result<u32, Rejection> {
        self.meta_left(t, left, 4)?;
        if self.str_at(t.name_off()).is_none_or(|s| s.is_empty()) {
            return Err(self.ty(t, "Invalid value"));
        }
        if t.vlen() != 0 {
            return Err(self.ty(t, "vlen != 0"));
        }
        if (t.word(3) as i32) < -1 {
            return Err(self.ty(t, "Invalid component_idx"));
        }
        Ok(4)
    }
}
