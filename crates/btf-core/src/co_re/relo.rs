//! Relocation values and the per-relocation driver: `bpf_core_calc_field_relo`,
//! `bpf_core_calc_type_relo`, `bpf_core_calc_enumval_relo`, `bpf_core_calc_relo`,
//! `bpf_core_calc_relo_insn` (candidate loop, ambiguity rule, poisoning), libbpf.c's
//! `bpf_core_resolve_relo` (candidate cache) and `bpf_object__relocate_core` (all relocations of
//! an object, each patched into its instruction).

use std::collections::HashMap;

use super::cands::{Candidate, CandidateCache, Targets, find_cands_logged};
use super::log::{Log, LogLine, errstr};
use super::patch::{PatchOutcome, patch_insn_bytes};
use super::spec::{Spec, format_spec_log, parse_spec_logged, spec_match_logged};
use super::{
    CoreError, E2BIG, EINVAL, EOPNOTSUPP, EUCLEAN, btf_kind_str, is_any_enum, kind_is_enumval,
    kind_is_field, kind_is_type, kind_str, skip_mods_and_typedefs, text,
};
use crate::ext::CoreRelo;
use crate::{Btf, Endianness, Kind};

/// Choices libbpf makes from its build rather than its input.
#[derive(Clone, Copy, Debug)]
pub struct ResolveOptions {
    /// Byte order `FIELD_LSHIFT_U64` is computed for. libbpf uses the byte order of the host it
    /// was built for (whatever the object's), so the default is this machine's; a tool computing
    /// what a big-endian kernel would see passes `Big`.
    pub lshift_byte_order: Endianness,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            lshift_byte_order: Endianness::native(),
        }
    }
}

/// `struct bpf_core_relo_res`: what to patch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReloRes {
    /// The value the compiler put in the instruction (checked when `validate`).
    pub orig_val: u64,
    /// The value for the target.
    pub new_val: u64,
    /// The relocation failed: the instruction is replaced by an invalid call.
    pub poison: bool,
    /// Whether the instruction must hold `orig_val` now.
    pub validate: bool,
    /// A load/store whose size would have to change and cannot safely (poisoned if patched).
    pub fail_memsz_adjust: bool,
    /// Local field (element) size for byte-offset relocations, else 0.
    pub orig_sz: u32,
    /// Local type id the value refers to (type-based relocations), else 0.
    pub orig_type_id: u32,
    /// Target field (element) size for byte-offset relocations, else 0.
    pub new_sz: u32,
    /// Target type id the value refers to (type-based relocations), else 0.
    pub new_type_id: u32,
}

/// One candidate tried for a relocation, with the target spec as far as matching got.
#[derive(Clone, Debug)]
pub struct CandidateOutcome<'a> {
    /// Position in the candidate list libbpf prints (`candidate #i`).
    pub index: usize,
    /// The candidate type.
    pub candidate: Candidate,
    /// Whether the access spec matched in it.
    pub matched: bool,
    /// The target spec, as far as matching got.
    pub spec: Spec<'a>,
}

/// Everything about resolving one relocation.
#[derive(Clone, Debug)]
pub struct Resolution<'a> {
    /// The `bpf_core_relo` record.
    pub relo: CoreRelo,
    /// Index of the record within its section (`relo #N` in libbpf's log).
    pub relo_idx: usize,
    /// The parsed local spec (absent when the local type or access string is invalid).
    pub local_spec: Option<Spec<'a>>,
    /// Candidates in the order tried.
    pub candidates: Vec<CandidateOutcome<'a>>,
    /// The first matching candidate and its spec: the one whose values are used (all other
    /// matching ones agreed with it, or the relocation failed for ambiguity).
    pub target: Option<Candidate>,
    /// The spec of [`Resolution::target`] in the target BTF.
    pub target_spec: Option<Spec<'a>>,
    /// The result; `None` with `error` set when resolution failed.
    pub res: Option<ReloRes>,
    /// Why resolution failed, when it did.
    pub error: Option<CoreError>,
    /// libbpf's messages for this relocation up to the patch (candidate search lines when this
    /// relocation filled the cache, the spec, each candidate, failures).
    pub log: Vec<LogLine>,
}

impl Resolution<'_> {
    /// The result or the error.
    pub fn result(&self) -> Result<&ReloRes, &CoreError> {
        match (&self.res, &self.error) {
            (Some(r), None) => Ok(r),
            (_, Some(e)) => Err(e),
            (None, None) => unreachable!("a resolution has a result or an error"),
        }
    }
}

struct FieldVal {
    val: u64,
    field_sz: u32,
    type_id: u32,
}

fn resolve_size(btf: &Btf, id: u32) -> Option<u32> {
    btf.resolve_size(id).ok().map(|s| s as u32)
}

/// Element size of a field's type: arrays stripped down to their innermost element.
fn elem_size(btf: &Btf, id: u32) -> Result<u32, i32> {
    let (mut t, mut elem) = skip_mods_and_typedefs(btf, id).ok_or(EINVAL)?;
    let mut steps = 0;
    while t.is(Kind::Array) {
        steps += 1;
        if steps > btf.type_cnt() {
            return Err(EINVAL);
        }
        (t, elem) = skip_mods_and_typedefs(btf, t.array().elem_type).ok_or(EINVAL)?;
    }
    resolve_size(btf, elem).ok_or(EINVAL)
}

/// `bpf_core_calc_field_relo` for one side; `Err(EUCLEAN)` requests poisoning.
fn calc_field(
    prog_name: &str,
    relo: &CoreRelo,
    spec: Option<&Spec<'_>>,
    validate: Option<&mut bool>,
    opts: &ResolveOptions,
    log: &mut Log,
) -> Result<FieldVal, i32> {
    let mut out = FieldVal {
        val: 0,
        field_sz: 0,
        type_id: 0,
    };
    if relo.kind == 2 {
        out.val = u64::from(spec.is_some());
        return Ok(out);
    }
    let spec = spec.ok_or(EUCLEAN)?;
    let btf = spec.btf;
    let acc = spec.accessors.last().ok_or(EINVAL)?;
    if acc.name.is_none() {
        match relo.kind {
            0 => {
                out.val = u64::from(spec.bit_offset / 8);
                out.field_sz = elem_size(btf, acc.type_id)?;
                out.type_id = acc.type_id;
            }
            1 => out.val = u64::from(resolve_size(btf, acc.type_id).ok_or(EINVAL)?),
            _ => {
                log.warn(format!(
                    "prog '{prog_name}': relo {} at insn #{} can't be applied to array access",
                    relo.kind,
                    relo.insn_off / 8
                ));
                return Err(EINVAL);
            }
        }
        if let Some(v) = validate {
            *v = true;
        }
        return Ok(out);
    }

    let t = btf.type_by_id(acc.type_id).ok_or(EINVAL)?;
    let m = t.members().nth(acc.idx as usize).ok_or(EINVAL)?;
    let (mt, field_type_id) = skip_mods_and_typedefs(btf, m.type_id).ok_or(EINVAL)?;
    let bit_off = spec.bit_offset;
    let mut bit_sz = m.bitfield_size();
    let bitfield = bit_sz > 0;
    let mut byte_sz: u32;
    let mut byte_off: u32;
    if bitfield {
        byte_sz = mt.size();
        if byte_sz == 0 {
            return Err(EINVAL);
        }
        byte_off = bit_off / 8 / byte_sz * byte_sz;
        while bit_off
            .wrapping_add(bit_sz)
            .wrapping_sub(byte_off.wrapping_mul(8))
            > byte_sz.wrapping_mul(8)
        {
            if byte_sz >= 8 {
                log.warn(format!(
                    "prog '{prog_name}': relo {} at insn #{} can't be satisfied for bitfield",
                    relo.kind,
                    relo.insn_off / 8
                ));
                return Err(E2BIG);
            }
            byte_sz *= 2;
            byte_off = bit_off / 8 / byte_sz * byte_sz;
        }
    } else {
        byte_sz = resolve_size(btf, field_type_id).ok_or(EINVAL)?;
        byte_off = spec.bit_offset / 8;
        bit_sz = byte_sz.wrapping_mul(8);
    }
    let mut validate = validate;
    if let Some(v) = validate.as_deref_mut() {
        *v = !bitfield;
    }
    match relo.kind {
        0 => {
            out.val = u64::from(byte_off);
            if !bitfield {
                out.field_sz = elem_size(btf, field_type_id)?;
                out.type_id = field_type_id;
            }
        }
        1 => out.val = u64::from(byte_sz),
        3 => {
            let signed = (is_any_enum(&mt) && mt.kflag())
                || (mt.is(Kind::Int) && (mt.int_encoding() & 1) != 0);
            out.val = u64::from(signed);
            if let Some(v) = validate.as_deref_mut() {
                *v = true;
            }
        }
        4 => {
            let v = match opts.lshift_byte_order {
                Endianness::Little => 64u32.wrapping_sub(
                    bit_off
                        .wrapping_add(bit_sz)
                        .wrapping_sub(byte_off.wrapping_mul(8)),
                ),
                Endianness::Big => (8u32.wrapping_sub(byte_sz))
                    .wrapping_mul(8)
                    .wrapping_add(bit_off.wrapping_sub(byte_off.wrapping_mul(8))),
            };
            // libbpf computes in 32-bit unsigned arithmetic and stores into a u64.
            out.val = u64::from(v);
        }
        5 => {
            out.val = u64::from(64u32.wrapping_sub(bit_sz));
            if let Some(v) = validate {
                *v = true;
            }
        }
        _ => return Err(EOPNOTSUPP),
    }
    Ok(out)
}

/// `bpf_core_calc_type_relo` for one side.
fn calc_type(
    relo: &CoreRelo,
    spec: Option<&Spec<'_>>,
    validate: Option<&mut bool>,
) -> Result<u64, i32> {
    let mut validate = validate;
    if let Some(v) = validate.as_deref_mut() {
        *v = true;
    }
    let Some(spec) = spec else { return Ok(0) };
    match relo.kind {
        7 => {
            if let Some(v) = validate {
                *v = false;
            }
            Ok(u64::from(spec.root_type_id))
        }
        8 | 12 => Ok(1),
        9 => resolve_size(spec.btf, spec.root_type_id)
            .map(u64::from)
            .ok_or(EINVAL),
        _ => Err(EOPNOTSUPP),
    }
}

/// `bpf_core_calc_enumval_relo` for one side.
fn calc_enumval(relo: &CoreRelo, spec: Option<&Spec<'_>>) -> Result<u64, i32> {
    match relo.kind {
        10 => Ok(u64::from(spec.is_some())),
        11 => {
            let spec = spec.ok_or(EUCLEAN)?;
            let acc = spec.accessors.first().ok_or(EINVAL)?;
            let t = spec.btf.type_by_id(acc.type_id).ok_or(EINVAL)?;
            if t.is(Kind::Enum) {
                // `struct btf_enum`'s value is an `__s32`: libbpf's assignment to the `__u64`
                // sign-extends it, whatever the enum's signedness flag says.
                t.enum_values()
                    .nth(acc.idx as usize)
                    .map(|e| e.val as i32 as i64 as u64)
                    .ok_or(EINVAL)
            } else {
                t.enum64_values()
                    .nth(acc.idx as usize)
                    .map(|e| e.val)
                    .ok_or(EINVAL)
            }
        }
        _ => Err(EOPNOTSUPP),
    }
}

/// `bpf_core_calc_relo`: local and target values for one candidate (`targ` `None`: no candidate).
fn calc_relo(
    prog_name: &str,
    relo: &CoreRelo,
    relo_idx: usize,
    local_spec: &Spec<'_>,
    targ_spec: Option<&Spec<'_>>,
    opts: &ResolveOptions,
    log: &mut Log,
) -> Result<ReloRes, i32> {
    let mut res = ReloRes {
        validate: true,
        ..ReloRes::default()
    };
    let mut err: Result<(), i32> = Err(EOPNOTSUPP);
    if kind_is_field(relo.kind) {
        err = (|| {
            let l = calc_field(
                prog_name,
                relo,
                Some(local_spec),
                Some(&mut res.validate),
                opts,
                log,
            )?;
            res.orig_val = l.val;
            res.orig_sz = l.field_sz;
            res.orig_type_id = l.type_id;
            let t = calc_field(prog_name, relo, targ_spec, None, opts, log)?;
            res.new_val = t.val;
            res.new_sz = t.field_sz;
            res.new_type_id = t.type_id;
            Ok(())
        })();
        if err.is_ok() && res.orig_sz != res.new_sz {
            let orig_t = local_spec.btf.type_by_id(res.orig_type_id);
            let new_t = targ_spec.and_then(|s| s.btf.type_by_id(res.new_type_id));
            let safe = match (orig_t, new_t) {
                (Some(o), Some(n)) => {
                    (o.is(Kind::Ptr) && n.is(Kind::Ptr))
                        || (o.is(Kind::Int)
                            && n.is(Kind::Int)
                            && o.int_encoding() != 1
                            && n.int_encoding() != 1)
                }
                _ => false,
            };
            res.fail_memsz_adjust = !safe;
        }
    } else if kind_is_type(relo.kind) {
        err = (|| {
            res.orig_val = calc_type(relo, Some(local_spec), Some(&mut res.validate))?;
            res.new_val = calc_type(relo, targ_spec, None)?;
            Ok(())
        })();
    } else if kind_is_enumval(relo.kind) {
        err = (|| {
            res.orig_val = calc_enumval(relo, Some(local_spec))?;
            res.new_val = calc_enumval(relo, targ_spec)?;
            Ok(())
        })();
    }
    match err {
        Ok(()) => Ok(res),
        Err(EUCLEAN) => {
            res.poison = true;
            Ok(res)
        }
        Err(EOPNOTSUPP) => {
            log.warn(format!(
                "prog '{prog_name}': relo #{relo_idx}: unrecognized CO-RE relocation {} ({}) at insn #{}",
                kind_str(relo.kind),
                relo.kind,
                relo.insn_off / 8
            ));
            Err(EOPNOTSUPP)
        }
        Err(e) => Err(e),
    }
}

/// Resolves one relocation as libbpf's `bpf_core_resolve_relo` does: candidates from the cache
/// (searched and cached on first use of the local type), the local spec, each candidate matched
/// and its values computed, the ambiguity rule, poisoning when nothing matched. The matching
/// candidates replace the cached list, as in libbpf.
pub fn resolve_relo<'a>(
    prog_name: &str,
    relo_idx: usize,
    local: &'a Btf,
    relo: &CoreRelo,
    cache: &mut CandidateCache,
    targets: &Targets<'a>,
    opts: &ResolveOptions,
) -> Resolution<'a> {
    let mut r = Resolution {
        relo: *relo,
        relo_idx,
        local_spec: None,
        candidates: Vec::new(),
        target: None,
        target_spec: None,
        res: None,
        error: None,
        log: Vec::new(),
    };
    let mut log = Log::default();
    match resolve_inner(
        prog_name, relo_idx, local, relo, cache, targets, opts, &mut r, &mut log,
    ) {
        Ok(res) => r.res = Some(res),
        Err(e) => r.error = Some(e),
    }
    r.log = log.lines;
    r
}

#[allow(clippy::too_many_arguments)]
fn resolve_inner<'a>(
    prog_name: &str,
    relo_idx: usize,
    local: &'a Btf,
    relo: &CoreRelo,
    cache: &mut CandidateCache,
    targets: &Targets<'a>,
    opts: &ResolveOptions,
    r: &mut Resolution<'a>,
    log: &mut Log,
) -> Result<ReloRes, CoreError> {
    let local_id = relo.type_id;
    let local_t = local.type_by_id(local_id).ok_or_else(|| {
        CoreError::new(
            EINVAL,
            format!("relocation's local type [{local_id}] does not exist"),
        )
    })?;
    let Some(local_name) = local.str_bytes(local_t.name_off()) else {
        return Err(CoreError::new(
            EINVAL,
            format!("local type [{local_id}] has an invalid name offset"),
        ));
    };
    if relo.kind != 6 && cache.get(local_id).is_none() {
        match find_cands_logged(local, local_id, targets, log) {
            Ok(c) => cache.insert(local_id, c),
            Err(e) => {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: target candidate search failed for [{local_id}] {} {}: -{}",
                    btf_kind_str(local_t.kind_raw()),
                    text(local_name),
                    e.errno
                ));
                return Err(e);
            }
        }
    }

    // bpf_core_calc_relo_insn
    let local_spec =
        match parse_spec_logged(prog_name, local, relo, log) {
            Ok(s) => s,
            Err(err) => {
                let spec_str = local
                    .str_bytes(relo.access_str_off)
                    .map_or("<?>".into(), |s| text(s).into_owned());
                log.warn(format!(
                "prog '{prog_name}': relo #{relo_idx}: parsing [{local_id}] {} {} + {} failed: -{}",
                btf_kind_str(local_t.kind_raw()),
                if local_name.is_empty() { "<anon>".into() } else { text(local_name) },
                spec_str,
                err
            ));
                return Err(CoreError::new(
                    EINVAL,
                    format!(
                        "access string {spec_str:?} of local type [{local_id}] is invalid ({})",
                        errstr(err)
                    ),
                ));
            }
        };
    log.debug(format!(
        "prog '{prog_name}': relo #{relo_idx}: {}",
        format_spec_log(&local_spec)
    ));
    r.local_spec = Some(local_spec.clone());

    if relo.kind == 6 {
        return Ok(ReloRes {
            orig_val: u64::from(local_spec.root_type_id),
            new_val: u64::from(local_spec.root_type_id),
            ..ReloRes::default()
        });
    }
    if local_name.is_empty() {
        log.warn(format!(
            "prog '{prog_name}': relo #{relo_idx}: <{}> ({}) relocation doesn't support anonymous types",
            kind_str(relo.kind),
            relo.kind
        ));
        return Err(CoreError::new(
            EOPNOTSUPP,
            "relocation of an anonymous type",
        ));
    }

    let cands: Vec<Candidate> = cache.get(local_id).map(<[_]>::to_vec).unwrap_or_default();
    let mut kept: Vec<Candidate> = Vec::new();
    let mut targ_res = ReloRes::default();
    let mut targ_bit_offset = 0u32;
    for (i, cand) in cands.iter().enumerate() {
        let Some(targ) = targets.btf(cand.target) else {
            continue;
        };
        let mut cand_spec = Spec {
            btf: targ,
            root_type_id: cand.type_id,
            relo_kind: relo.kind,
            accessors: Vec::new(),
            raw_spec: Vec::new(),
            bit_offset: 0,
        };
        let m = spec_match_logged(&local_spec, targ, cand.type_id, &mut cand_spec, log);
        let matched = match m {
            Err(err) => {
                log.warn(format!(
                    "prog '{prog_name}': relo #{relo_idx}: error matching candidate #{i} {}: -{err}",
                    format_spec_log(&cand_spec)
                ));
                r.candidates.push(CandidateOutcome {
                    index: i,
                    candidate: *cand,
                    matched: false,
                    spec: cand_spec,
                });
                return Err(CoreError::new(
                    err,
                    format!("matching candidate #{i} failed"),
                ));
            }
            Ok(m) => m,
        };
        log.debug(format!(
            "prog '{prog_name}': relo #{relo_idx}: {} candidate #{i} {}",
            if matched { "matching" } else { "non-matching" },
            format_spec_log(&cand_spec)
        ));
        r.candidates.push(CandidateOutcome {
            index: i,
            candidate: *cand,
            matched,
            spec: cand_spec.clone(),
        });
        if !matched {
            continue;
        }
        let cand_res = calc_relo(
            prog_name,
            relo,
            relo_idx,
            &local_spec,
            Some(&cand_spec),
            opts,
            log,
        )
        .map_err(|e| CoreError::new(e, format!("computing the value for candidate #{i} failed")))?;
        if kept.is_empty() {
            targ_res = cand_res;
            targ_bit_offset = cand_spec.bit_offset;
            r.target = Some(*cand);
            r.target_spec = Some(cand_spec);
        } else if cand_spec.bit_offset != targ_bit_offset {
            log.warn(format!(
                "prog '{prog_name}': relo #{relo_idx}: field offset ambiguity: {} != {}",
                cand_spec.bit_offset, targ_bit_offset
            ));
            return Err(CoreError::new(
                EINVAL,
                format!(
                    "candidates disagree on the field's bit offset: {} != {targ_bit_offset}",
                    cand_spec.bit_offset
                ),
            ));
        } else if cand_res.poison != targ_res.poison || cand_res.new_val != targ_res.new_val {
            let word = |p: bool| if p { "failure" } else { "success" };
            log.warn(format!(
                "prog '{prog_name}': relo #{relo_idx}: relocation decision ambiguity: {} {} != {} {}",
                word(cand_res.poison),
                cand_res.new_val,
                word(targ_res.poison),
                targ_res.new_val
            ));
            return Err(CoreError::new(
                EINVAL,
                format!(
                    "candidates disagree on the value: {} != {}",
                    cand_res.new_val, targ_res.new_val
                ),
            ));
        }
        kept.push(*cand);
    }
    if !kept.is_empty() {
        if let Some(c) = cache.get_mut(local_id) {
            *c = kept;
        }
        return Ok(targ_res);
    }
    log.debug(format!(
        "prog '{prog_name}': relo #{relo_idx}: no matching targets found"
    ));
    calc_relo(prog_name, relo, relo_idx, &local_spec, None, opts, log)
        .map_err(|e| CoreError::new(e, "computing the value without a target failed"))
}

/// The program a relocation's instruction belongs to, as the caller's ELF reader found it.
#[derive(Clone, Debug)]
pub struct ProgSite {
    /// The program's (function symbol's) name.
    pub name: String,
    /// Instruction index within the program.
    pub insn_idx: usize,
    /// Whether the program is loaded; libbpf skips relocations of others silently (a `SEC("?…")`
    /// program, or one the user turned off).
    pub autoload: bool,
    /// The instruction's 8 bytes in the object's byte order, followed by the next instruction's
    /// when there is one (an `LD_IMM64` needs both).
    pub insn: Vec<u8>,
}

/// One `bpf_core_relo` record and where it applies (`None`: its instruction belongs to no
/// program, e.g. an eliminated weak subprogram; libbpf skips it).
#[derive(Clone, Debug)]
pub struct ReloSite {
    /// The `bpf_core_relo` record.
    pub relo: CoreRelo,
    /// The program and instruction it applies to.
    pub prog: Option<ProgSite>,
}

/// The CO-RE records of one ELF section, in `.BTF.ext` order.
#[derive(Clone, Debug)]
pub struct ReloSection {
    /// The ELF section name (e.g. `kprobe/do_unlinkat`).
    pub name: String,
    /// Its records, in `.BTF.ext` order.
    pub relos: Vec<ReloSite>,
}

/// One record's outcome.
#[derive(Clone, Debug)]
pub struct ReloOutcome<'a> {
    /// The ELF section of the record.
    pub section: String,
    /// Index of the record within its section (`relo #N`).
    pub relo_idx: usize,
    /// The program or subprogram the instruction belongs to, as libbpf names it.
    pub prog_name: Option<String>,
    /// The instruction index within that program.
    pub insn_idx: Option<usize>,
    /// `None` when libbpf skips the record.
    pub resolution: Option<Resolution<'a>>,
    /// `None` when resolution failed or the record was skipped.
    pub patch: Option<PatchOutcome>,
}

/// All relocations of an object: each outcome, libbpf's whole log, and the error that stopped
/// the run (libbpf stops at the first failing relocation).
#[derive(Clone, Debug)]
pub struct RelocateReport<'a> {
    /// Every record's outcome, in the order libbpf processes them.
    pub outcomes: Vec<ReloOutcome<'a>>,
    /// libbpf's whole log for the run.
    pub log: Vec<LogLine>,
    /// The error that stopped the run (libbpf stops at the first failing relocation).
    pub error: Option<CoreError>,
}

impl<'a> RelocateReport<'a> {
    /// Ends the run at a failing record as libbpf does: its warning (`prog '…': relo #N: what:
    /// error`), the error, and the record's outcome as the last one.
    fn stop(
        &mut self,
        outcome: ReloOutcome<'a>,
        prog: &str,
        relo_idx: usize,
        what: &str,
        e: CoreError,
    ) {
        self.log.push(LogLine {
            level: super::LogLevel::Warn,
            text: format!(
                "prog '{prog}': relo #{relo_idx}: {what}: {}",
                errstr(e.errno)
            ),
        });
        self.error = Some(e);
        self.outcomes.push(outcome);
    }
}

/// `bpf_object__relocate_core`: resolves and patches every record of every section, with one
/// candidate cache for the whole object, logging as libbpf does. Instructions are read and
/// written in the byte order of the object's BTF; a later record on an already patched
/// instruction sees the patched bytes.
pub fn relocate_object<'a>(
    local: &'a Btf,
    sections: &[ReloSection],
    targets: &Targets<'a>,
    opts: &ResolveOptions,
) -> RelocateReport<'a> {
    let order = local.endianness();
    let mut cache = CandidateCache::default();
    let mut report = RelocateReport {
        outcomes: Vec::new(),
        log: Vec::new(),
        error: None,
    };
    let mut patched: HashMap<(String, usize), Vec<u8>> = HashMap::new();
    for sec in sections {
        if sec.name.is_empty() {
            report.error = Some(CoreError::new(EINVAL, "CO-RE section without a name"));
            return report;
        }
        report.log.push(LogLine {
            level: super::LogLevel::Debug,
            text: format!(
                "sec '{}': found {} CO-RE relocations",
                sec.name,
                sec.relos.len()
            ),
        });
        for (i, site) in sec.relos.iter().enumerate() {
            if site.relo.insn_off % 8 != 0 {
                report.error = Some(CoreError::new(
                    EINVAL,
                    format!(
                        "relocation #{i} of '{}': insn_off {} is not a multiple of 8",
                        sec.name, site.relo.insn_off
                    ),
                ));
                return report;
            }
            let Some(prog) = &site.prog else {
                report.log.push(LogLine {
                    level: super::LogLevel::Debug,
                    text: format!(
                        "sec '{}': skipping CO-RE relocation #{i} for insn #{} belonging to eliminated weak subprogram",
                        sec.name,
                        site.relo.insn_off / 8
                    ),
                });
                report.outcomes.push(ReloOutcome {
                    section: sec.name.clone(),
                    relo_idx: i,
                    prog_name: None,
                    insn_idx: None,
                    resolution: None,
                    patch: None,
                });
                continue;
            };
            if !prog.autoload {
                report.outcomes.push(ReloOutcome {
                    section: sec.name.clone(),
                    relo_idx: i,
                    prog_name: Some(prog.name.clone()),
                    insn_idx: Some(prog.insn_idx),
                    resolution: None,
                    patch: None,
                });
                continue;
            }
            let res = resolve_relo(&prog.name, i, local, &site.relo, &mut cache, targets, opts);
            report.log.extend(res.log.iter().cloned());
            let mut outcome = ReloOutcome {
                section: sec.name.clone(),
                relo_idx: i,
                prog_name: Some(prog.name.clone()),
                insn_idx: Some(prog.insn_idx),
                resolution: None,
                patch: None,
            };
            let rr = match res.result() {
                Ok(rr) => *rr,
                Err(e) => {
                    let (what, e) = ("failed to relocate".to_string(), e.clone());
                    outcome.resolution = Some(res);
                    report.stop(outcome, &prog.name, i, &what, e);
                    return report;
                }
            };
            let key = (prog.name.clone(), prog.insn_idx);
            let mut bytes = prog.insn.clone();
            if let Some(p) = patched.get(&key) {
                let n = p.len().min(bytes.len());
                bytes[..n].copy_from_slice(&p[..n]);
            }
            let po = patch_insn_bytes(&prog.name, prog.insn_idx, i, &rr, &bytes, order);
            report.log.extend(po.log.iter().cloned());
            outcome.resolution = Some(res);
            if let Err(e) = &po.result {
                let (what, e) = (
                    format!("failed to patch insn #{}", prog.insn_idx),
                    e.clone(),
                );
                outcome.patch = Some(po);
                report.stop(outcome, &prog.name, i, &what, e);
                return report;
            }
            patched.insert(key, po.bytes.clone());
            outcome.patch = Some(po);
            report.outcomes.push(outcome);
        }
    }
    report
}
