//! Type relations CO-RE decides on: `bpf_core_types_are_compat` (type-based relocations),
//! `bpf_core_fields_are_compat` (a field's type in a spec match) and `bpf_core_types_match`
//! (`TYPE_MATCHES`). Results are libbpf's: `Ok(true)`/`Ok(false)` for 1/0, `Err(errno)` for its
//! negative returns.

use super::btf_kind_str;
use super::cands::{essential_name_len, kind_core_compat};
use super::log::Log;
use super::{EINVAL, is_any_enum, is_composite, name_at, skip_mods_and_typedefs};
use crate::{Btf, Kind, TypeRef};

const MAX_DEPTH: i32 = 32;

type Skipped<'b> = (TypeRef<'b>, u32);

fn skip_both<'l, 't>(
    local: &'l Btf,
    local_id: u32,
    targ: &'t Btf,
    targ_id: u32,
) -> Result<(Skipped<'l>, Skipped<'t>), i32> {
    let l = skip_mods_and_typedefs(local, local_id).ok_or(EINVAL)?;
    let t = skip_mods_and_typedefs(targ, targ_id).ok_or(EINVAL)?;
    Ok((l, t))
}

/// `bpf_core_types_are_compat`: kinds match after stripping modifiers and typedefs, pointers and
/// arrays recursively, function prototypes by arity and recursively; names beyond the root (which
/// the caller matched) are ignored; integers only reject the legacy bit-offset form.
pub fn types_are_compat(local: &Btf, local_id: u32, targ: &Btf, targ_id: u32) -> Result<bool, i32> {
    types_are_compat_level(
        local,
        local_id,
        targ,
        targ_id,
        MAX_DEPTH,
        &mut Log::default(),
    )
}

pub(crate) fn types_are_compat_logged(
    local: &Btf,
    local_id: u32,
    targ: &Btf,
    targ_id: u32,
    log: &mut Log,
) -> Result<bool, i32> {
    types_are_compat_level(local, local_id, targ, targ_id, MAX_DEPTH, log)
}

fn types_are_compat_level(
    local: &Btf,
    mut local_id: u32,
    targ: &Btf,
    mut targ_id: u32,
    level: i32,
    log: &mut Log,
) -> Result<bool, i32> {
    let (Some(lt), Some(tt)) = (local.type_by_id(local_id), targ.type_by_id(targ_id)) else {
        return Err(EINVAL);
    };
    if !kind_core_compat(&lt, &tt) {
        return Ok(false);
    }
    let mut depth = MAX_DEPTH;
    loop {
        depth -= 1;
        if depth < 0 {
            return Err(EINVAL);
        }
        let ((lt, lid), (tt, tid)) = skip_both(local, local_id, targ, targ_id)?;
        local_id = lid;
        targ_id = tid;
        if !kind_core_compat(&lt, &tt) {
            return Ok(false);
        }
        match lt.kind_raw() {
            0 | 4 | 5 | 6 | 7 | 19 => return Ok(true),
            1 => return Ok(lt.int_offset() == 0 && tt.int_offset() == 0),
            2 => {
                local_id = lt.type_id();
                targ_id = tt.type_id();
            }
            3 => {
                local_id = lt.array().elem_type;
                targ_id = tt.array().elem_type;
            }
            13 => {
                if lt.vlen() != tt.vlen() {
                    return Ok(false);
                }
                for (lp, tp) in lt.params().zip(tt.params()) {
                    if level <= 0 {
                        return Err(EINVAL);
                    }
                    let lid = skip_mods_and_typedefs(local, lp.type_id).map_or(lp.type_id, |x| x.1);
                    let tid = skip_mods_and_typedefs(targ, tp.type_id).map_or(tp.type_id, |x| x.1);
                    if !types_are_compat_level(local, lid, targ, tid, level - 1, log)? {
                        return Ok(false);
                    }
                }
                local_id =
                    skip_mods_and_typedefs(local, lt.type_id()).map_or(lt.type_id(), |x| x.1);
                targ_id = skip_mods_and_typedefs(targ, tt.type_id()).map_or(tt.type_id(), |x| x.1);
            }
            _ => {
                unexpected_kind(log, &lt, local_id, targ_id);
                return Ok(false);
            }
        }
    }
}

/// `bpf_core_fields_are_compat`: a local field's type against the target field's of the same
/// name: any two composites; PTR and FLOAT by kind; FWD/ENUM/ENUM64 by essential name (or either
/// anonymous); INT unless a legacy bit offset; arrays by element type.
pub fn fields_are_compat(
    local: &Btf,
    mut local_id: u32,
    targ: &Btf,
    mut targ_id: u32,
) -> Result<bool, i32> {
    let mut steps = 0u32;
    loop {
        steps += 1;
        if steps > local.type_cnt().max(targ.type_cnt()) + 1 {
            return Err(EINVAL);
        }
        let ((lt, _), (tt, _)) = skip_both(local, local_id, targ, targ_id)?;
        if is_composite(&lt) && is_composite(&tt) {
            return Ok(true);
        }
        if !kind_core_compat(&lt, &tt) {
            return Ok(false);
        }
        match lt.kind_raw() {
            2 | 16 => return Ok(true),
            7 | 6 | 19 => {
                let ln = name_at(local, lt.name_off());
                let tn = name_at(targ, tt.name_off());
                let ll = essential_name_len(ln);
                let tl = essential_name_len(tn);
                return Ok(ll == 0 || tl == 0 || (ll == tl && ln[..ll] == tn[..tl]));
            }
            1 => return Ok(lt.int_offset() == 0 && tt.int_offset() == 0),
            3 => {
                local_id = lt.array().elem_type;
                targ_id = tt.array().elem_type;
            }
            _ => return Ok(false),
        }
    }
}

/// `bpf_core_names_match`: an anonymous target matches only an anonymous local; otherwise the
/// essential names must be equal.
fn names_match(local: &Btf, local_off: u32, targ: &Btf, targ_off: u32) -> bool {
    let ln = name_at(local, local_off);
    let tn = name_at(targ, targ_off);
    if tn.is_empty() {
        return ln.is_empty();
    }
    let tl = essential_name_len(tn);
    let ll = essential_name_len(ln);
    tl == ll && ln[..ll] == tn[..tl]
}

fn enum_names(t: &TypeRef<'_>) -> Vec<u32> {
    if t.is(Kind::Enum) {
        t.enum_values().map(|v| v.name_off).collect()
    } else {
        t.enum64_values().map(|v| v.name_off).collect()
    }
}

fn enums_match(local: &Btf, lt: &TypeRef<'_>, targ: &Btf, tt: &TypeRef<'_>) -> bool {
    if lt.size() != tt.size() || lt.vlen() > tt.vlen() {
        return false;
    }
    let tnames = enum_names(tt);
    enum_names(lt)
        .into_iter()
        .all(|ln| tnames.iter().any(|&tn| names_match(local, ln, targ, tn)))
}

fn composites_match(
    local: &Btf,
    lt: &TypeRef<'_>,
    targ: &Btf,
    tt: &TypeRef<'_>,
    behind_ptr: bool,
    level: i32,
    log: &mut Log,
) -> Result<bool, i32> {
    if lt.vlen() > tt.vlen() {
        return Ok(false);
    }
    for lm in lt.members() {
        let mut matched = false;
        for tm in tt.members() {
            if !names_match(local, lm.name_off, targ, tm.name_off) {
                continue;
            }
            if types_match_level(
                local,
                lm.type_id,
                targ,
                tm.type_id,
                behind_ptr,
                level - 1,
                log,
            )? {
                matched = true;
                break;
            }
        }
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `bpf_core_types_match` (for `TYPE_MATCHES`): a stricter relation than compatibility — same
/// kinds (a FWD may stand for a struct/union behind a pointer; ENUM matches ENUM64), names of
/// every type on the way, integer size and signedness, array lengths, every local member present
/// in the target with a matching type, every local enumerator present by name.
pub fn types_match(local: &Btf, local_id: u32, targ: &Btf, targ_id: u32) -> Result<bool, i32> {
    types_match_level(
        local,
        local_id,
        targ,
        targ_id,
        false,
        MAX_DEPTH,
        &mut Log::default(),
    )
}

pub(crate) fn types_match_logged(
    local: &Btf,
    local_id: u32,
    targ: &Btf,
    targ_id: u32,
    log: &mut Log,
) -> Result<bool, i32> {
    types_match_level(local, local_id, targ, targ_id, false, MAX_DEPTH, log)
}

/// libbpf's warning for a kind no relocation should reach.
fn unexpected_kind(log: &mut Log, t: &TypeRef<'_>, local_id: u32, targ_id: u32) {
    log.warn(format!(
        "unexpected kind {} relocated, local [{local_id}], target [{targ_id}]",
        btf_kind_str(t.kind_raw())
    ));
}

fn types_match_level(
    local: &Btf,
    mut local_id: u32,
    targ: &Btf,
    mut targ_id: u32,
    mut behind_ptr: bool,
    level: i32,
    log: &mut Log,
) -> Result<bool, i32> {
    if level <= 0 {
        return Err(EINVAL);
    }
    let mut depth = MAX_DEPTH;
    loop {
        depth -= 1;
        if depth < 0 {
            return Err(EINVAL);
        }
        let ((lt, lid), (tt, tid)) = skip_both(local, local_id, targ, targ_id)?;
        local_id = lid;
        targ_id = tid;
        if !names_match(local, lt.name_off(), targ, tt.name_off()) {
            return Ok(false);
        }
        let lk = lt.kind_raw();
        let tk = tt.kind_raw();
        match lk {
            0 => return Ok(lk == tk),
            7 => {
                let lf = lt.kflag();
                if behind_ptr {
                    if lk == tk {
                        return Ok(lf == tt.kflag());
                    }
                    return Ok((tk == 4 && !lf) || (tk == 5 && lf));
                }
                if lk != tk {
                    return Ok(false);
                }
                return Ok(lf == tt.kflag());
            }
            6 | 19 => {
                if !is_any_enum(&tt) {
                    return Ok(false);
                }
                return Ok(enums_match(local, &lt, targ, &tt));
            }
            4 | 5 => {
                if behind_ptr {
                    if lk == tk {
                        return Ok(true);
                    }
                    if tk != 7 {
                        return Ok(false);
                    }
                    return Ok((lk == 5) == tt.kflag());
                }
                if lk != tk {
                    return Ok(false);
                }
                return composites_match(local, &lt, targ, &tt, behind_ptr, level, log);
            }
            1 => {
                if lk != tk {
                    return Ok(false);
                }
                let ls = lt.int_encoding() & 1;
                let ts = tt.int_encoding() & 1;
                return Ok(lt.size() == tt.size() && ls == ts);
            }
            2 => {
                if lk != tk {
                    return Ok(false);
                }
                behind_ptr = true;
                local_id = lt.type_id();
                targ_id = tt.type_id();
            }
            3 => {
                if lk != tk {
                    return Ok(false);
                }
                let (la, ta) = (lt.array(), tt.array());
                if la.nelems != ta.nelems {
                    return Ok(false);
                }
                local_id = la.elem_type;
                targ_id = ta.elem_type;
            }
            13 => {
                if lk != tk || lt.vlen() != tt.vlen() {
                    return Ok(false);
                }
                for (lp, tp) in lt.params().zip(tt.params()) {
                    if !types_match_level(
                        local,
                        lp.type_id,
                        targ,
                        tp.type_id,
                        behind_ptr,
                        level - 1,
                        log,
                    )? {
                        return Ok(false);
                    }
                }
                local_id = lt.type_id();
                targ_id = tt.type_id();
            }
            _ => {
                unexpected_kind(log, &lt, local_id, targ_id);
                return Ok(false);
            }
        }
    }
}
