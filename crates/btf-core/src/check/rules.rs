//! The rules a module's split BTF, read over the base it was built against, cannot break: C's and
//! the kernel's rules on how each record may use the types it references, and libbpf's and
//! pahole's rule that names are offsets of whole strings. Every rule is checked on every record of
//! the module; references into the base are where a wrong base shows.

use std::collections::BTreeMap;

use crate::check::split::{SplitView, StrPlace};
use crate::check::{Finding, MAX_FINDINGS_PER_RULE, Rule};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw::Kind;
use crate::model::types::TypeRef;

/// Collects findings: all counted, a few per rule kept with their message.
#[derive(Default)]
pub(crate) struct Sink {
    kept: Vec<Finding>,
    counts: BTreeMap<Rule, u32>,
}

impl Sink {
    pub fn push(
        &mut self,
        rule: Rule,
        type_id: Option<u32>,
        base_id: Option<u32>,
        message: impl FnOnce() -> String,
    ) {
        let n = self.counts.entry(rule).or_insert(0);
        *n += 1;
        if (*n as usize) <= MAX_FINDINGS_PER_RULE {
            self.kept.push(Finding {
                rule,
                type_id,
                base_id,
                message: message(),
            });
        }
    }

    pub fn has(&self, rule: Rule) -> bool {
        self.counts.contains_key(&rule)
    }

    pub fn finish(self) -> (Vec<Finding>, Vec<(Rule, u32)>) {
        let mut kept = self.kept;
        // Rules in their order of certainty and usefulness, then in the order found.
        kept.sort_by_key(|f| f.rule);
        (kept, self.counts.into_iter().collect())
    }
}

/// The string-offset fields of a record, with what they name.
pub(crate) fn name_offsets(t: &TypeRef<'_>) -> Vec<(u32, usize)> {
    let words = t.words();
    match field_positions(t.kind_raw(), t.vlen(), FieldKind::Strings) {
        Some(pos) => pos.filter_map(|p| words.get(p).map(|&w| (w, p))).collect(),
        None => vec![(t.name_off(), 0)],
    }
}

/// Calls `f` with every type id a record references.
pub(crate) fn for_each_ref(t: &TypeRef<'_>, mut f: impl FnMut(u32)) {
    let words = t.words();
    if let Some(pos) = field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds) {
        for p in pos {
            if let Some(&w) = words.get(p) {
                f(w);
            }
        }
    }
}

const MAX_CHAIN: u32 = 32;
const MAX_SIZE_DEPTH: u32 = 64;

fn is_modifier(k: Option<Kind>) -> bool {
    matches!(
        k,
        Some(Kind::Typedef | Kind::Const | Kind::Volatile | Kind::Restrict | Kind::TypeTag)
    )
}

/// Kinds nothing but a DATASEC, a DECL_TAG or (for FUNC) nothing at all may reference:
/// the kernel's "resolve source only" kinds, plus FUNC (a pointer to a function points at its
/// FUNC_PROTO).
fn never_referenced(k: Option<Kind>) -> bool {
    matches!(
        k,
        Some(Kind::Func | Kind::Var | Kind::Datasec | Kind::DeclTag)
    )
}

/// INT the kernel calls regular: whole bytes of 1, 2, 4, 8 (or 16: `__int128` arrays exist in
/// real modules), no bit offset.
fn regular_int(t: &TypeRef<'_>) -> bool {
    let bits = t.int_bits();
    bits % 8 == 0 && t.int_offset() == 0 && matches!(bits / 8, 1 | 2 | 4 | 8 | 16)
}

fn ident_ok(s: &[u8]) -> bool {
    match s.split_first() {
        Some((&c, rest)) => {
            (c.is_ascii_alphabetic() || c == b'_' || c == b'.')
                && rest
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        }
        None => false,
    }
}

fn show(s: &[u8]) -> String {
    let mut out = String::from_utf8_lossy(s).into_owned();
    if out.len() > 60 {
        let mut cut = 57;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

struct Ctx<'v, 'a> {
    v: &'v SplitView<'a>,
    sink: &'v mut Sink,
}

/// A member's bit range inside its struct.
#[derive(Clone, Copy)]
struct Span {
    lo: u64,
    hi: u64,
}

impl<'v, 'a> Ctx<'v, 'a> {
    fn base_of(&self, id: u32) -> Option<u32> {
        (id != 0 && self.v.is_base(id)).then_some(id)
    }

    /// The type `id`, or a range finding on `owner`.
    fn target(&mut self, owner: &TypeRef<'_>, id: u32, what: &str) -> Option<TypeRef<'v>> {
        let v: &'v SplitView<'a> = self.v;
        if id < v.type_cnt() {
            return v.ty(id);
        }
        let owner_id = owner.id();
        self.sink.push(Rule::TypeIdRange, Some(owner_id), None, || {
            let owner_s = v.describe(owner_id);
            format!(
                "{owner_s} {what} refers to type id {id}, past the last type of this base \
                 ({} types) and the module ({} types): the module was numbered over a base with \
                 more types",
                v.start_id,
                v.type_cnt() - v.start_id
            )
        });
        None
    }

    /// Follows typedefs, modifiers and type tags; `None` on a cycle, a long chain or a broken id.
    fn resolve(&self, mut id: u32) -> Option<TypeRef<'v>> {
        let v: &'v SplitView<'a> = self.v;
        for _ in 0..MAX_CHAIN {
            let t = v.ty(id)?;
            if id == 0 || !is_modifier(t.kind()) {
                return Some(t);
            }
            id = t.type_id();
        }
        None
    }

    /// Size in bytes of an object of type `id` (`None`: no size, or unknown).
    fn size_of(&self, id: u32, depth: u32) -> Option<u64> {
        if depth > MAX_SIZE_DEPTH || id == 0 {
            return None;
        }
        let t = self.v.ty(id)?;
        match t.kind()? {
            Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Float | Kind::Struct | Kind::Union => {
                Some(u64::from(t.size()))
            }
            Kind::Ptr => Some(u64::from(self.v.pointer_size)),
            Kind::Array => {
                let a = t.array();
                self.size_of(a.elem_type, depth + 1)?
                    .checked_mul(u64::from(a.nelems))
            }
            Kind::Typedef
            | Kind::Const
            | Kind::Volatile
            | Kind::Restrict
            | Kind::TypeTag
            | Kind::Var => self.size_of(t.type_id(), depth + 1),
            _ => None,
        }
    }

    fn push(
        &mut self,
        rule: Rule,
        owner: u32,
        base_id: Option<u32>,
        message: impl FnOnce() -> String,
    ) {
        self.sink.push(rule, Some(owner), base_id, message);
    }

    fn names(&mut self, t: &TypeRef<'_>) {
        let v = self.v;
        for (off, pos) in name_offsets(t) {
            if off == 0 {
                continue;
            }
            match v.str_place(off) {
                StrPlace::BaseStart | StrPlace::OwnStart => {}
                StrPlace::Beyond => {
                    self.push(Rule::StringRange, t.id(), None, || {
                        let d = v.describe(t.id());
                        format!(
                            "{d}: name offset {off} is past the last string of this base and \
                             the module ({}): the module's strings were numbered over a base \
                             with a larger string section",
                            v.str_end()
                        )
                    });
                    continue;
                }
                place => {
                    let whose = if place == StrPlace::BaseMiddle {
                        "the base string"
                    } else {
                        "the module's own string"
                    };
                    self.push(Rule::StringStart, t.id(), None, || {
                        let (start, s) = v.containing_string(off);
                        let d = v.describe(t.id());
                        format!(
                            "{d}: name offset {off} points into the middle of {whose} '{}' \
                             (at {start}); names are whole strings, so the module's offsets were \
                             made for a base whose string section ({} bytes here) differs",
                            show(s),
                            v.start_str
                        )
                    });
                    continue;
                }
            }
            self.name_rule(t, off, pos);
        }
    }

    /// The kernel's name rules for a non-zero name offset at word `pos` of `t`.
    fn name_rule(&mut self, t: &TypeRef<'_>, off: u32, pos: usize) {
        let kind = t.kind();
        let needs_ident = match kind {
            Some(
                Kind::Struct
                | Kind::Union
                | Kind::Enum
                | Kind::Enum64
                | Kind::Fwd
                | Kind::Typedef
                | Kind::Func
                | Kind::Var,
            ) => true,
            // Parameter names (the kernel checks them on every FUNC_PROTO).
            Some(Kind::FuncProto) => pos > 0,
            _ => false,
        };
        if !needs_ident {
            return;
        }
        let v = self.v;
        let Some(s) = v.str_at(off) else { return };
        if ident_ok(s) {
            return;
        }
        let what = if pos == 0 {
            "name"
        } else {
            "member, value or parameter name"
        };
        self.push(Rule::Name, t.id(), None, || {
            let d = v.describe(t.id());
            format!(
                "{d}: {what} '{}' (offset {off}) is not an identifier, which the kernel \
                 requires ('Invalid name'): the offset lands on another string in this base",
                show(s)
            )
        });
    }

    fn ref_target(&mut self, t: &TypeRef<'_>) {
        let id = t.type_id();
        let Some(tgt) = self.target(t, id, "") else {
            return;
        };
        if id != 0 && never_referenced(tgt.kind()) {
            let v = self.v;
            let (d, td) = (v.describe(t.id()), v.describe(id));
            let kind = t.kind().map_or("UNKNOWN", Kind::name);
            self.push(Rule::RefTarget, t.id(), self.base_of(id), || {
                format!(
                    "{d} refers to {td}; a {kind} cannot refer to a FUNC, VAR, DATASEC or \
                     DECL_TAG (a function pointer refers to a FUNC_PROTO)"
                )
            });
        }
    }

    fn array(&mut self, t: &TypeRef<'_>) {
        let a = t.array();
        let v = self.v;
        if self.target(t, a.elem_type, "element type").is_some() {
            let r = self
                .resolve(a.elem_type)
                .map(|r| (r.id(), r.kind(), regular_int(&r)));
            if let Some((rid, kind, regular)) = r {
                let bad = if rid == 0 {
                    Some("void")
                } else {
                    match kind {
                        Some(Kind::Fwd) => Some("an incomplete (forward-declared) type"),
                        Some(Kind::Func | Kind::FuncProto) => Some("a function"),
                        Some(Kind::Var | Kind::Datasec | Kind::DeclTag) => Some("not a type"),
                        Some(Kind::Int) if !regular => Some("a bitfield integer"),
                        _ => None,
                    }
                };
                if let Some(why) = bad {
                    self.push(Rule::Array, t.id(), self.base_of(a.elem_type), || {
                        let (d, ed) = (v.describe(t.id()), v.describe(rid));
                        format!("{d} has elements of {ed}, which is {why}: arrays hold objects")
                    });
                } else if let Some(size) = self.size_of(a.elem_type, 0) {
                    if size.saturating_mul(u64::from(a.nelems)) > u64::from(u32::MAX) {
                        self.push(Rule::Array, t.id(), self.base_of(a.elem_type), || {
                            let (d, ed) = (v.describe(t.id()), v.describe(a.elem_type));
                            format!(
                                "{d}: {} elements of {ed} ({size} bytes each) overflow 4 GiB, \
                                 which the kernel refuses",
                                a.nelems
                            )
                        });
                    }
                }
            }
        }
        if self.target(t, a.index_type, "index type").is_some() {
            let r = self
                .resolve(a.index_type)
                .map(|r| (r.id(), r.id() != 0 && r.is(Kind::Int) && regular_int(&r)));
            if let Some((rid, false)) = r {
                self.push(Rule::Array, t.id(), self.base_of(a.index_type), || {
                    let (d, id) = (v.describe(t.id()), v.describe(rid));
                    format!(
                        "{d} is indexed by {id}; an array index type must be a whole-byte \
                         integer ('Invalid index')"
                    )
                });
            }
        }
    }

    fn composite(&mut self, t: &TypeRef<'_>) {
        let v = self.v;
        let is_struct = t.is(Kind::Struct);
        let struct_bits = u64::from(t.size()) * 8;
        let mut prev: Option<(Span, u32, usize)> = None;
        let mut ordered = true;
        for (i, m) in t.members().enumerate() {
            if self.target(t, m.type_id, "member").is_none() {
                prev = None;
                continue;
            }
            let mname = || show(v.str_at(m.name_off).unwrap_or(b""));
            let Some(r) = self.resolve(m.type_id) else {
                prev = None;
                continue;
            };
            let (rid, rkind) = (r.id(), r.kind());
            let bad = if rid == 0 {
                Some("void")
            } else {
                match rkind {
                    Some(Kind::Fwd) => Some("an incomplete (forward-declared) type"),
                    Some(Kind::Func | Kind::FuncProto) => Some("a function"),
                    Some(Kind::Var | Kind::Datasec | Kind::DeclTag) => Some("not a type"),
                    _ => None,
                }
            };
            if let Some(why) = bad {
                self.push(Rule::MemberType, t.id(), self.base_of(m.type_id), || {
                    let (d, md) = (v.describe(t.id()), v.describe(m.type_id));
                    format!(
                        "{d} member '{}' is of {md}, which is {why}: a member must be a \
                         complete object type",
                        mname()
                    )
                });
                prev = None;
                continue;
            }
            let off = u64::from(m.bit_offset());
            let bf = u64::from(m.bitfield_size());
            let is_int = rkind == Some(Kind::Int);
            let span = if bf > 0 {
                let width = match rkind {
                    Some(Kind::Int) => Some(u64::from(r.int_bits())),
                    Some(Kind::Enum | Kind::Enum64) => Some(u64::from(r.size()) * 8),
                    _ => None,
                };
                match width {
                    Some(w) if bf <= w => {}
                    _ => {
                        self.push(Rule::Bitfield, t.id(), self.base_of(m.type_id), || {
                            let (d, md) = (v.describe(t.id()), v.describe(m.type_id));
                            format!(
                                "{d} member '{}' is a {bf}-bit bitfield of {md}; a bitfield's \
                                 type must be an integer or enum at least that wide",
                                mname()
                            )
                        });
                        prev = None;
                        continue;
                    }
                }
                Span {
                    lo: off,
                    hi: off + bf,
                }
            } else if is_int {
                let lo = off + u64::from(r.int_offset());
                Span {
                    lo,
                    hi: lo + u64::from(r.int_bits()),
                }
            } else {
                if off % 8 != 0 {
                    self.push(Rule::MemberAlign, t.id(), self.base_of(m.type_id), || {
                        let (d, md) = (v.describe(t.id()), v.describe(m.type_id));
                        format!(
                            "{d} member '{}' at bit {off} is of {md}, which is not an integer: \
                             only integer members can start inside a byte",
                            mname()
                        )
                    });
                    prev = None;
                    continue;
                }
                match self.size_of(m.type_id, 0) {
                    Some(sz) => Span {
                        lo: off,
                        hi: off + sz * 8,
                    },
                    None => {
                        prev = None;
                        continue;
                    }
                }
            };
            if span.hi > struct_bits {
                let (d, md) = (v.describe(t.id()), v.describe(m.type_id));
                let size = t.size();
                self.push(Rule::MemberFit, t.id(), self.base_of(m.type_id), || {
                    format!(
                        "{d} ({size} bytes) member '{}' at byte {} is of {md}, {} here, which \
                         does not fit: in the module's build it had at most {} {}",
                        mname(),
                        span.lo / 8,
                        bits_text(span.hi - span.lo),
                        bits_text(struct_bits.saturating_sub(span.lo)),
                        "(the kernel refuses a member past its struct's end)"
                    )
                });
            }
            if is_struct && ordered {
                if let Some((p, p_type, p_idx)) = prev {
                    if span.lo < p.lo {
                        ordered = false;
                    } else if span.hi > span.lo && p.hi > span.lo {
                        self.push(Rule::MemberOverlap, t.id(), self.base_of(p_type), || {
                            let pm = t.members().nth(p_idx);
                            let pname =
                                show(pm.and_then(|pm| v.str_at(pm.name_off)).unwrap_or(b""));
                            let (d, pd) = (v.describe(t.id()), v.describe(p_type));
                            format!(
                                "{d} member '{pname}' at byte {} is of {pd}, {} here, which \
                                 overlaps the next member '{}' at byte {}: in the module's build \
                                 it had at most {} (struct members never overlap)",
                                p.lo / 8,
                                bits_text(p.hi - p.lo),
                                mname(),
                                span.lo / 8,
                                bits_text(span.lo - p.lo)
                            )
                        });
                    }
                }
            }
            if span.hi > span.lo {
                prev = Some((span, m.type_id, i));
            }
        }
    }

    fn func(&mut self, t: &TypeRef<'_>) {
        let id = t.type_id();
        let Some(p) = self.target(t, id, "prototype") else {
            return;
        };
        if !p.is(Kind::FuncProto) || id == 0 {
            let v = self.v;
            self.push(Rule::FuncType, t.id(), self.base_of(id), || {
                let (d, pd) = (v.describe(t.id()), v.describe(id));
                format!("{d} has type {pd}; a FUNC's type must be a FUNC_PROTO")
            });
        }
    }

    fn func_proto(&mut self, t: &TypeRef<'_>) {
        let v = self.v;
        let ret = t.type_id();
        if ret != 0 && self.target(t, ret, "return type").is_some() {
            if let Some(r) = self.resolve(ret) {
                let why = match r.kind() {
                    Some(Kind::Func | Kind::FuncProto) if r.id() != 0 => Some("a function"),
                    Some(Kind::Array) => Some("an array"),
                    Some(Kind::Var | Kind::Datasec | Kind::DeclTag) => Some("not a type"),
                    _ => None,
                };
                if let Some(why) = why {
                    self.push(Rule::FuncProto, t.id(), self.base_of(ret), || {
                        let (d, rd) = (v.describe(t.id()), v.describe(ret));
                        format!("{d} returns {rd}, which is {why}: a function cannot return one")
                    });
                }
            }
        }
        let n = t.vlen() as usize;
        for (i, p) in t.params().enumerate() {
            if p.type_id == 0 {
                if i + 1 != n {
                    self.push(Rule::FuncProto, t.id(), None, || {
                        let d = v.describe(t.id());
                        format!(
                            "{d} parameter #{} is void; only the last one may be (for '...')",
                            i + 1
                        )
                    });
                }
                continue;
            }
            if self.target(t, p.type_id, "parameter").is_none() {
                continue;
            }
            let bad = self
                .resolve(p.type_id)
                .is_some_and(|r| r.id() != 0 && never_referenced(r.kind()));
            if bad {
                self.push(Rule::FuncProto, t.id(), self.base_of(p.type_id), || {
                    let (d, pd) = (v.describe(t.id()), v.describe(p.type_id));
                    format!(
                        "{d} parameter #{} is of {pd}, which is not a type a parameter can have",
                        i + 1
                    )
                });
            }
        }
    }

    fn var(&mut self, t: &TypeRef<'_>) {
        let id = t.type_id();
        if self.target(t, id, "").is_none() {
            return;
        }
        let Some(r) = self.resolve(id) else { return };
        let why = if r.id() == 0 {
            Some("void")
        } else {
            match r.kind() {
                Some(Kind::Func | Kind::FuncProto) => Some("a function"),
                Some(Kind::Var | Kind::Datasec | Kind::DeclTag) => Some("not a type"),
                _ => None,
            }
        };
        if let Some(why) = why {
            let v = self.v;
            self.push(Rule::VarType, t.id(), self.base_of(id), || {
                let (d, td) = (v.describe(t.id()), v.describe(id));
                format!("{d} is of {td}, which is {why}: a variable has an object type")
            });
        }
    }

    fn datasec(&mut self, t: &TypeRef<'_>) {
        let v = self.v;
        for vsi in t.datasec_vars() {
            let Some(var) = self.target(t, vsi.type_id, "entry") else {
                continue;
            };
            if !var.is(Kind::Var) || vsi.type_id == 0 {
                self.push(Rule::Datasec, t.id(), self.base_of(vsi.type_id), || {
                    let (d, vd) = (v.describe(t.id()), v.describe(vsi.type_id));
                    format!(
                        "{d} lists {vd} at offset {}; a DATASEC lists only VARs",
                        vsi.offset
                    )
                });
                continue;
            }
            if let Some(size) = self.size_of(vsi.type_id, 0) {
                if size > u64::from(vsi.size) {
                    self.push(Rule::Datasec, t.id(), self.base_of(var.type_id()), || {
                        let (d, vd) = (v.describe(t.id()), v.describe(vsi.type_id));
                        format!(
                            "{d} entry {vd} at offset {} has a {}-byte slot but its type is \
                             {size} bytes here: in the module's build it had at most {} bytes",
                            vsi.offset, vsi.size, vsi.size
                        )
                    });
                }
            }
        }
    }

    fn decl_tag(&mut self, t: &TypeRef<'_>) {
        let id = t.type_id();
        let Some(tgt) = self.target(t, id, "") else {
            return;
        };
        let idx = t.decl_tag_component_idx();
        let ok = match tgt.kind() {
            _ if id == 0 => false,
            Some(Kind::Struct | Kind::Union) => idx < 0 || (idx as u32) < tgt.vlen(),
            Some(Kind::Func) => {
                idx < 0
                    || self
                        .v
                        .ty(tgt.type_id())
                        .is_some_and(|p| p.is(Kind::FuncProto) && (idx as u32) < p.vlen())
            }
            Some(Kind::Var | Kind::Typedef) => idx < 0,
            _ => false,
        };
        if !ok {
            let v = self.v;
            self.push(Rule::DeclTag, t.id(), self.base_of(id), || {
                let (d, td) = (v.describe(t.id()), v.describe(id));
                format!(
                    "{d} (component {idx}) tags {td}, which cannot carry it: a decl tag \
                     annotates a struct, union, variable, function or typedef"
                )
            });
        }
    }
}

fn bits_text(bits: u64) -> String {
    if bits % 8 == 0 {
        format!("{} bytes", bits / 8)
    } else {
        format!("{bits} bits")
    }
}

/// Checks every record of the module.
pub(crate) fn check_all(v: &SplitView<'_>, sink: &mut Sink) {
    let mut cx = Ctx { v, sink };
    for t in v.own() {
        cx.names(&t);
        match t.kind() {
            Some(
                Kind::Ptr
                | Kind::Typedef
                | Kind::Const
                | Kind::Volatile
                | Kind::Restrict
                | Kind::TypeTag,
            ) => cx.ref_target(&t),
            Some(Kind::Array) => cx.array(&t),
            Some(Kind::Struct | Kind::Union) => cx.composite(&t),
            Some(Kind::Func) => cx.func(&t),
            Some(Kind::FuncProto) => cx.func_proto(&t),
            Some(Kind::Var) => cx.var(&t),
            Some(Kind::Datasec) => cx.datasec(&t),
            Some(Kind::DeclTag) => cx.decl_tag(&t),
            _ => {}
        }
    }
}
