//! Access specs: the parsed access string of a relocation against the local BTF
//! (`bpf_core_parse_spec`), its counterpart in a target type (`bpf_core_spec_match`,
//! `bpf_core_match_member`) and libbpf's text for both (`bpf_core_format_spec`).

use std::fmt;

use super::cands::essential_name_len;
use super::compat::{fields_are_compat, types_are_compat_logged, types_match_logged};
use super::log::Log;
use super::{
    E2BIG, EINVAL, btf_kind_str, is_any_enum, is_composite, kind_is_enumval, kind_is_field,
    kind_is_type, kind_str, name_at, skip_mods_and_typedefs, text,
};
use crate::ext::CoreRelo;
use crate::{Btf, Kind};

/// libbpf's `BPF_CORE_SPEC_MAX_LEN`: the most accessors an access string may have.
pub const SPEC_MAX_LEN: usize = 64;

/// One high-level step of a spec (`struct bpf_core_accessor`): a named field of the
/// struct/union `type_id` (member index `idx`), an element `idx` of an array whose element type
/// is `type_id` (no name), or for enum relocations the enumerator `idx` of enum `type_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accessor<'a> {
    /// The struct/union, array element or enum type the step is in.
    pub type_id: u32,
    /// Member, element or enumerator index.
    pub idx: u32,
    /// The member or enumerator name (`None` for array elements).
    pub name: Option<&'a [u8]>,
}

/// A relocation's access path in one BTF (`struct bpf_core_spec`).
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    /// The BTF the ids and names belong to.
    pub btf: &'a Btf,
    /// The root type as given (modifiers and typedefs not skipped).
    pub root_type_id: u32,
    /// The relocation kind, raw.
    pub relo_kind: u32,
    /// High-level accessors: named fields and array indices (anonymous members skipped).
    pub accessors: Vec<Accessor<'a>>,
    /// Low-level accessors: one per access-string element, anonymous members included.
    pub raw_spec: Vec<i32>,
    /// Bit offset of the field the spec designates.
    pub bit_offset: u32,
}

impl<'a> Spec<'a> {
    fn empty(btf: &'a Btf, root_type_id: u32, relo_kind: u32) -> Self {
        Spec {
            btf,
            root_type_id,
            relo_kind,
            accessors: Vec::new(),
            raw_spec: Vec::new(),
            bit_offset: 0,
        }
    }
}

impl fmt::Display for Spec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(&format_spec_bytes(self)))
    }
}

/// `is_flex_arr`: an array of zero elements that is the last member of the struct the previous
/// accessor named.
fn is_flex_arr(btf: &Btf, prev: Option<&Accessor<'_>>, nelems: u32) -> bool {
    let Some(acc) = prev else { return false };
    if acc.name.is_none() || nelems > 0 {
        return false;
    }
    btf.type_by_id(acc.type_id)
        .is_some_and(|t| acc.idx == t.vlen().wrapping_sub(1))
}

/// `btf__resolve_size` as libbpf's CO-RE code uses it: the size or a positive errno.
fn resolve_size(btf: &Btf, id: u32) -> Result<u32, i32> {
    btf.resolve_size(id)
        .map(|s| s as u32)
        .map_err(|e| e.errno())
}

/// Parses the access string like C's `sscanf("%d%n")` loop: elements separated by one `:`, each
/// an optionally signed decimal after optional white space.
fn parse_access_str(s: &[u8]) -> Result<Vec<i32>, i32> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b':' {
            i += 1;
        }
        while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            i += 1;
        }
        let mut neg = false;
        if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
            neg = s[i] == b'-';
            i += 1;
        }
        let start = i;
        let mut v: i64 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            v = v.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
            i += 1;
        }
        if i == start {
            return Err(EINVAL);
        }
        if out.len() == SPEC_MAX_LEN {
            return Err(E2BIG);
        }
        out.push((if neg { -v } else { v }) as i32);
    }
    Ok(out)
}

/// `bpf_core_parse_spec`: turns the relocation's access string into a spec over `btf`, checking
/// it the way libbpf does (member and array indices in range, named members named, enumerator
/// index in range, the kind fitting the root type). Errors are libbpf's positive errnos.
pub fn parse_spec<'a>(
    prog_name: &str,
    btf: &'a Btf,
    relo: &CoreRelo,
) -> (Result<Spec<'a>, i32>, Vec<super::LogLine>) {
    let mut log = Log::default();
    let r = parse_spec_logged(prog_name, btf, relo, &mut log);
    (r, log.lines)
}

pub(crate) fn parse_spec_logged<'a>(
    prog_name: &str,
    btf: &'a Btf,
    relo: &CoreRelo,
    log: &mut Log,
) -> Result<Spec<'a>, i32> {
    let spec_str = name_at(btf, relo.access_str_off);
    if spec_str.is_empty() || spec_str[0] == b':' {
        return Err(EINVAL);
    }
    let mut spec = Spec::empty(btf, relo.type_id, relo.kind);
    if kind_is_type(relo.kind) {
        return if spec_str == b"0" {
            Ok(spec)
        } else {
            Err(EINVAL)
        };
    }
    spec.raw_spec = parse_access_str(spec_str)?;
    if spec.raw_spec.is_empty() {
        return Err(EINVAL);
    }
    let (t, mut id) = skip_mods_and_typedefs(btf, relo.type_id).ok_or(EINVAL)?;
    let first = spec.raw_spec[0];
    spec.accessors.push(Accessor {
        type_id: id,
        idx: first as u32,
        name: None,
    });

    if kind_is_enumval(relo.kind) {
        if !is_any_enum(&t) || spec.raw_spec.len() > 1 || first < 0 || first as u32 >= t.vlen() {
            return Err(EINVAL);
        }
        let name_off = if t.is(Kind::Enum) {
            t.enum_values().nth(first as usize).map(|v| v.name_off)
        } else {
            t.enum64_values().nth(first as usize).map(|v| v.name_off)
        };
        spec.accessors[0].name = Some(name_at(btf, name_off.unwrap_or(0)));
        return Ok(spec);
    }
    if !kind_is_field(relo.kind) {
        return Err(EINVAL);
    }

    let sz = resolve_size(btf, id)?;
    spec.bit_offset = (first as u32).wrapping_mul(sz).wrapping_mul(8);

    for i in 1..spec.raw_spec.len() {
        let (t, tid) = skip_mods_and_typedefs(btf, id).ok_or(EINVAL)?;
        id = tid;
        let access_idx = spec.raw_spec[i];
        if is_composite(&t) {
            if access_idx < 0 || access_idx as u32 >= t.vlen() {
                return Err(EINVAL);
            }
            let m = t.members().nth(access_idx as usize).ok_or(EINVAL)?;
            spec.bit_offset = spec.bit_offset.wrapping_add(m.bit_offset());
            if m.name_off != 0 {
                let name = name_at(btf, m.name_off);
                if name.is_empty() {
                    return Err(EINVAL);
                }
                spec.accessors.push(Accessor {
                    type_id: id,
                    idx: access_idx as u32,
                    name: Some(name),
                });
            }
            id = m.type_id;
        } else if t.is(Kind::Array) {
            let a = t.array();
            let (_, elem_id) = skip_mods_and_typedefs(btf, a.elem_type).ok_or(EINVAL)?;
            id = elem_id;
            let flex = is_flex_arr(btf, spec.accessors.last(), a.nelems);
            if !flex && access_idx as u32 >= a.nelems {
                return Err(EINVAL);
            }
            spec.accessors.push(Accessor {
                type_id: id,
                idx: access_idx as u32,
                name: None,
            });
            let sz = resolve_size(btf, id)?;
            spec.bit_offset = spec
                .bit_offset
                .wrapping_add((access_idx as u32).wrapping_mul(sz).wrapping_mul(8));
        } else {
            // libbpf prints its access-string pointer after the parsing loop consumed it: empty.
            log.warn(format!(
                "prog '{prog_name}': relo for [{}]  (at idx {i}) captures type [{id}] of unexpected kind {}",
                relo.type_id,
                btf_kind_str(t.kind_raw())
            ));
            return Err(EINVAL);
        }
    }
    Ok(spec)
}

/// `bpf_core_match_member`: finds the local named member in target composite `targ_id`,
/// descending into anonymous members, extending `spec` as it goes. 1/0/-errno as `Ok(true)`,
/// `Ok(false)`, `Err`.
fn match_member<'t>(
    local: &Btf,
    local_acc: &Accessor<'_>,
    targ: &'t Btf,
    targ_id: u32,
    spec: &mut Spec<'t>,
    next_targ_id: &mut u32,
    depth: u32,
) -> Result<bool, i32> {
    let (tt, targ_id) = skip_mods_and_typedefs(targ, targ_id).ok_or(EINVAL)?;
    if !is_composite(&tt) {
        return Ok(false);
    }
    if depth > SPEC_MAX_LEN as u32 * 2 {
        return Err(E2BIG);
    }
    let local_t = local.type_by_id(local_acc.type_id).ok_or(EINVAL)?;
    let local_m = local_t
        .members()
        .nth(local_acc.idx as usize)
        .ok_or(EINVAL)?;
    let local_name = name_at(local, local_m.name_off);

    for (i, m) in tt.members().enumerate() {
        let bit_offset = m.bit_offset();
        if spec.raw_spec.len() == SPEC_MAX_LEN {
            return Err(E2BIG);
        }
        spec.bit_offset = spec.bit_offset.wrapping_add(bit_offset);
        spec.raw_spec.push(i as i32);
        let targ_name = name_at(targ, m.name_off);
        if targ_name.is_empty() {
            let found = match_member(
                local,
                local_acc,
                targ,
                m.type_id,
                spec,
                next_targ_id,
                depth + 1,
            )?;
            if found {
                return Ok(true);
            }
        } else if local_name == targ_name {
            spec.accessors.push(Accessor {
                type_id: targ_id,
                idx: i as u32,
                name: Some(targ_name),
            });
            *next_targ_id = m.type_id;
            let found = fields_are_compat(local, local_m.type_id, targ, m.type_id)?;
            if !found {
                spec.accessors.pop();
            }
            return Ok(found);
        }
        spec.bit_offset = spec.bit_offset.wrapping_sub(bit_offset);
        spec.raw_spec.pop();
    }
    Ok(false)
}

/// `bpf_core_spec_match`: matches `local_spec` against candidate `targ_id` of `targ`, filling
/// `targ_spec` as far as it gets (libbpf logs that partial spec for non-matching candidates).
pub fn spec_match<'t>(
    local_spec: &Spec<'_>,
    targ: &'t Btf,
    targ_id: u32,
    targ_spec: &mut Spec<'t>,
) -> (Result<bool, i32>, Vec<super::LogLine>) {
    let mut log = Log::default();
    let r = spec_match_logged(local_spec, targ, targ_id, targ_spec, &mut log);
    (r, log.lines)
}

pub(crate) fn spec_match_logged<'t>(
    local_spec: &Spec<'_>,
    targ: &'t Btf,
    mut targ_id: u32,
    targ_spec: &mut Spec<'t>,
    log: &mut Log,
) -> Result<bool, i32> {
    *targ_spec = Spec::empty(targ, targ_id, local_spec.relo_kind);
    let kind = local_spec.relo_kind;
    if kind_is_type(kind) {
        return if kind == 12 {
            types_match_logged(local_spec.btf, local_spec.root_type_id, targ, targ_id, log)
        } else {
            types_are_compat_logged(local_spec.btf, local_spec.root_type_id, targ, targ_id, log)
        };
    }
    if kind_is_enumval(kind) {
        let Some((tt, tid)) = skip_mods_and_typedefs(targ, targ_id) else {
            return Ok(false);
        };
        if !is_any_enum(&tt) {
            return Ok(false);
        }
        let local_name = local_spec.accessors[0].name.unwrap_or(b"");
        let local_len = essential_name_len(local_name);
        let names: Vec<u32> = if tt.is(Kind::Enum) {
            tt.enum_values().map(|v| v.name_off).collect()
        } else {
            tt.enum64_values().map(|v| v.name_off).collect()
        };
        for (i, off) in names.into_iter().enumerate() {
            let targ_name = name_at(targ, off);
            if essential_name_len(targ_name) != local_len {
                continue;
            }
            if local_name[..local_len] == targ_name[..local_len] {
                targ_spec.accessors.push(Accessor {
                    type_id: tid,
                    idx: i as u32,
                    name: Some(targ_name),
                });
                targ_spec.raw_spec.push(i as i32);
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if !kind_is_field(kind) {
        return Err(EINVAL);
    }

    for (i, local_acc) in local_spec.accessors.iter().enumerate() {
        let (tt, tid) = skip_mods_and_typedefs(targ, targ_id).ok_or(EINVAL)?;
        targ_id = tid;
        if local_acc.name.is_some() {
            let mut next = targ_id;
            let matched = match_member(
                local_spec.btf,
                local_acc,
                targ,
                targ_id,
                targ_spec,
                &mut next,
                0,
            )?;
            targ_id = next;
            if !matched {
                return Ok(false);
            }
        } else {
            if i > 0 {
                if !tt.is(Kind::Array) {
                    return Ok(false);
                }
                let a = tt.array();
                let flex = is_flex_arr(targ, targ_spec.accessors.get(i - 1), a.nelems);
                if !flex && local_acc.idx >= a.nelems {
                    return Ok(false);
                }
                let (_, elem) = skip_mods_and_typedefs(targ, a.elem_type).ok_or(EINVAL)?;
                targ_id = elem;
            }
            if targ_spec.raw_spec.len() == SPEC_MAX_LEN {
                return Err(E2BIG);
            }
            targ_spec.accessors.push(Accessor {
                type_id: targ_id,
                idx: local_acc.idx,
                name: None,
            });
            targ_spec.raw_spec.push(local_acc.idx as i32);
            let sz = resolve_size(targ, targ_id)?;
            targ_spec.bit_offset = targ_spec
                .bit_offset
                .wrapping_add(local_acc.idx.wrapping_mul(sz).wrapping_mul(8));
        }
    }
    Ok(true)
}

/// `bpf_core_format_spec`: `<kind> [id] kind name` then, for field relocations, the C access
/// path, the raw access string and the bit offset, e.g.
/// `<byte_off> [45] struct task_struct.tgid (0:89 @ offset 2436)`; for enum relocations
/// `::NAME = value`. Untruncated (libbpf's log cuts it at 255 bytes; see [`Spec`]'s users).
pub fn format_spec(spec: &Spec<'_>) -> String {
    text(&format_spec_bytes(spec)).into_owned()
}

pub(crate) fn format_spec_bytes(spec: &Spec<'_>) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let btf = spec.btf;
    let t = btf.type_by_id(spec.root_type_id);
    let s = t.map_or(&b""[..], |t| name_at(btf, t.name_off()));
    let _ = write!(
        out,
        "<{}> [{}] {} ",
        kind_str(spec.relo_kind),
        spec.root_type_id,
        btf_kind_str(t.map_or(0, |t| t.kind_raw()))
    );
    out.extend_from_slice(if s.is_empty() { b"<anon>" } else { s });
    if kind_is_type(spec.relo_kind) {
        return out;
    }
    if kind_is_enumval(spec.relo_kind) {
        let Some((t, _)) = skip_mods_and_typedefs(btf, spec.root_type_id) else {
            return out;
        };
        let idx = spec.raw_spec.first().copied().unwrap_or(0) as usize;
        if t.is(Kind::Enum) {
            if let Some(e) = t.enum_values().nth(idx) {
                out.extend_from_slice(b"::");
                out.extend_from_slice(name_at(btf, e.name_off));
                if t.kflag() {
                    let _ = write!(out, " = {}", e.val as i32);
                } else {
                    let _ = write!(out, " = {}", e.val);
                }
            }
        } else if let Some(e) = t.enum64_values().nth(idx) {
            out.extend_from_slice(b"::");
            out.extend_from_slice(name_at(btf, e.name_off));
            if t.kflag() {
                let _ = write!(out, " = {}", e.val as i64);
            } else {
                let _ = write!(out, " = {}", e.val);
            }
        }
        return out;
    }
    if kind_is_field(spec.relo_kind) {
        for (i, a) in spec.accessors.iter().enumerate() {
            if let Some(n) = a.name {
                out.push(b'.');
                out.extend_from_slice(n);
            } else if i > 0 || a.idx > 0 {
                let _ = write!(out, "[{}]", a.idx);
            }
        }
        out.extend_from_slice(b" (");
        for (i, r) in spec.raw_spec.iter().enumerate() {
            let _ = write!(out, "{}{}", if i == 0 { "" } else { ":" }, r);
        }
        if spec.bit_offset % 8 != 0 {
            let _ = write!(
                out,
                " @ offset {}.{})",
                spec.bit_offset / 8,
                spec.bit_offset % 8
            );
        } else {
            let _ = write!(out, " @ offset {})", spec.bit_offset / 8);
        }
    }
    out
}

/// The spec as libbpf's 256-byte buffer holds it: at most 255 bytes.
pub(crate) fn format_spec_log(spec: &Spec<'_>) -> String {
    let mut b = format_spec_bytes(spec);
    b.truncate(255);
    text(&b).into_owned()
}
