//! `Btf::dedup` against real libbpf 1.7.0's `btf__dedup`, byte for byte.
//!
//! Every case is raw BTF bytes (and base bytes for split BTF) that both libraries read and
//! deduplicate, in two ways: parsed straight from the bytes (string dedup on) and rebuilt into a
//! new empty object with `add_btf` first (libbpf then keeps the strings as they are), each with
//! and without `force_collisions` where the case is small. Compared: the return value and, on
//! success, every byte of `raw_data` and the type count.
//!
//! * Hand-written cases: duplicates across "compilation units", forward declarations resolved to
//!   structs and unions, structs that look alike but differ, cycles through pointers, enums and
//!   their forward declarations, function prototypes, arrays, typedef chains, modifiers, VAR and
//!   DATASEC, decl and type tags, string dedup, split BTF over a base holding the duplicates, and
//!   failures (reference loops).
//! * Corpus: pahole's small BTFs; a vmlinux and two vmlinux glued together, deduped as base BTF;
//!   groups of modules of 6.1.0-54 glued into one split BTF over its vmlinux; and all 4,023 of
//!   them (counts and timings printed).
//! * Mutations: small inputs with type references and names rewired at random (kept parseable);
//!   btf-core runs first, and inputs on which it reports that libbpf would never finish are not
//!   handed to libbpf.
//!
//! Corpus cases skip (with a `SKIP` line) when `../shared/corpus` is absent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use btf_core::{Btf, DedupOptions, Kind};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, DedupSource};

// -------------------------------------------------------------------------------------------------
// Running both libraries
// -------------------------------------------------------------------------------------------------

/// One library's result: the return value (0 or -errno), the bytes and type count afterwards.
#[derive(Debug)]
struct Outcome {
    ret: i32,
    raw: Vec<u8>,
    type_cnt: u32,
    elapsed: Duration,
}

/// btf-core's side of a case; `Err(errno)` when the input cannot be read or rebuilt.
fn ours(
    base: Option<&[u8]>,
    data: &[u8],
    source: DedupSource,
    force: bool,
) -> Result<Outcome, i32> {
    let base = match base {
        Some(b) => Some(Arc::new(Btf::from_bytes(b).map_err(|e| e.errno())?)),
        None => None,
    };
    let parsed = match &base {
        Some(b) => Btf::from_bytes_split(data, Arc::clone(b)),
        None => Btf::from_bytes(data),
    }
    .map_err(|e| e.errno())?;
    let mut btf = match source {
        DedupSource::Parsed => parsed,
        DedupSource::Rebuilt => {
            let mut fresh = match &base {
                Some(b) => Btf::new_empty_split(Arc::clone(b)),
                None => Btf::new_empty(),
            };
            fresh.add_btf(&parsed).map_err(|e| e.errno())?;
            fresh
        }
    };
    let started = Instant::now();
    let ret = match btf.dedup(&DedupOptions::new().force_collisions(force)) {
        Ok(()) => 0,
        Err(e) => -e.errno(),
    };
    let elapsed = started.elapsed();
    Ok(Outcome {
        ret,
        raw: btf.raw_data().into_owned(),
        type_cnt: btf.type_cnt(),
        elapsed,
    })
}

fn theirs(
    base: Option<&[u8]>,
    data: &[u8],
    source: DedupSource,
    force: bool,
) -> Result<Outcome, i32> {
    libbpf::quiet();
    libbpf::dedup(base, data, source, force).map(|o| Outcome {
        ret: o.ret,
        raw: o.raw,
        type_cnt: o.type_cnt,
        elapsed: o.elapsed,
    })
}

/// Where two byte strings first differ, for messages.
fn first_diff(ours: &[u8], theirs: &[u8]) -> String {
    match ours.iter().zip(theirs).position(|(a, b)| a != b) {
        Some(at) => format!(
            "first difference at byte {at}; lengths {} (ours) vs {} (libbpf)",
            ours.len(),
            theirs.len()
        ),
        None => format!(
            "one is a prefix of the other; lengths {} vs {}",
            ours.len(),
            theirs.len()
        ),
    }
}

/// Runs one case both ways in one mode: both outcomes (`None` when both refused the input with
/// the same errno), or a description of the difference.
fn compare(
    name: &str,
    base: Option<&[u8]>,
    data: &[u8],
    source: DedupSource,
    force: bool,
) -> Result<Option<(Outcome, Outcome)>, String> {
    let what = format!("{name} ({source:?}, force_collisions={force})");
    let (o, t) = match (
        ours(base, data, source, force),
        theirs(base, data, source, force),
    ) {
        (Ok(o), Ok(t)) => (o, t),
        (Err(a), Err(b)) if a == b => return Ok(None),
        (o, t) => {
            return Err(format!(
                "{what}: input handling differs: ours {:?}, libbpf {:?}",
                o.map(|o| o.ret),
                t.map(|t| t.ret)
            ));
        }
    };
    if o.ret != t.ret {
        return Err(format!(
            "{what}: dedup returned {} (ours) vs {} (libbpf)",
            o.ret, t.ret
        ));
    }
    // The one deliberate difference: where libbpf writes the input's section offsets back after
    // a rebuild (its output then does not parse), ours is the canonical layout (see README).
    if o.ret == 0 && o.raw != t.raw && canonical_offsets(&t.raw).is_some_and(|c| c == o.raw) {
        return Ok(Some((o, t)));
    }
    if o.ret == 0 && (o.raw != t.raw || o.type_cnt != t.type_cnt) {
        return Err(format!(
            "{what}: type count {} vs {}, bytes: {}",
            o.type_cnt,
            t.type_cnt,
            first_diff(&o.raw, &t.raw)
        ));
    }
    Ok(Some((o, t)))
}

/// Raw BTF in native order with `type_off` 0 and `str_off` = `type_len` (libbpf's rebuilt output
/// as it would describe its own layout); `None` if it is not raw BTF in native order.
fn canonical_offsets(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() < 24 || raw[..2] != 0xeb9fu16.to_ne_bytes() {
        return None;
    }
    let type_len = u32::from_ne_bytes(raw[12..16].try_into().ok()?);
    let mut out = raw.to_vec();
    out[8..12].copy_from_slice(&0u32.to_ne_bytes());
    out[16..20].copy_from_slice(&type_len.to_ne_bytes());
    Some(out)
}

/// A case in both modes, with and without forced collisions; panics on any difference.
/// Returns the parsed-mode outcome pair (without forced collisions).
fn check(name: &str, base: Option<&[u8]>, data: &[u8]) -> (Outcome, Outcome) {
    let mut first = None;
    let mut diffs = Vec::new();
    for source in [DedupSource::Parsed, DedupSource::Rebuilt] {
        for force in [false, true] {
            match compare(name, base, data, source, force) {
                Ok(Some(pair)) if first.is_none() => first = Some(pair),
                Ok(_) => {}
                Err(e) => diffs.push(e),
            }
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    first.expect("parsed mode ran")
}

// -------------------------------------------------------------------------------------------------
// Hand-written raw BTF
// -------------------------------------------------------------------------------------------------

fn info(kind: Kind, vlen: u32, kflag: bool) -> u32 {
    (u32::from(kflag) << 31) | ((kind as u32) << 24) | vlen
}

/// Raw BTF under construction: type words and a string section whose strings are appended as
/// given (duplicates allowed), and ids counted from the start id.
struct Raw {
    words: Vec<u32>,
    strings: Vec<u8>,
    next_id: u32,
    str_base: u32,
}

impl Raw {
    /// Base BTF: ids from 1, strings start with `""`.
    fn base() -> Raw {
        Raw {
            words: Vec::new(),
            strings: vec![0],
            next_id: 1,
            str_base: 0,
        }
    }

    /// Split BTF over `base` (as built by this builder): ids and strings continue the base's.
    fn split(base: &Raw) -> Raw {
        Raw {
            words: Vec::new(),
            strings: vec![0],
            next_id: base.next_id,
            str_base: base.str_base + base.strings.len() as u32,
        }
    }

    /// Appends `s` (again, even if present) and returns its logical offset.
    fn s(&mut self, s: &str) -> u32 {
        let off = self.str_base + self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        off
    }

    /// The offset of `s` if this builder's strings already hold it, else appended.
    fn n(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let mut off = 0;
        for part in self.strings.split(|&b| b == 0) {
            if part == s.as_bytes() && off != 0 {
                return self.str_base + off as u32;
            }
            off += part.len() + 1;
        }
        self.s(s)
    }

    fn push(&mut self, words: &[u32]) -> u32 {
        self.words.extend_from_slice(words);
        self.next_id += 1;
        self.next_id - 1
    }

    fn int(&mut self, name: &str, size: u32, signed: bool) -> u32 {
        let n = self.n(name);
        self.push(&[
            n,
            info(Kind::Int, 0, false),
            size,
            (u32::from(signed) << 24) | (size * 8),
        ])
    }
    fn float(&mut self, name: &str, size: u32) -> u32 {
        let n = self.n(name);
        self.push(&[n, info(Kind::Float, 0, false), size])
    }
    fn refk(&mut self, kind: Kind, name: &str, to: u32) -> u32 {
        let n = self.n(name);
        self.push(&[n, info(kind, 0, false), to])
    }
    fn ptr(&mut self, to: u32) -> u32 {
        self.refk(Kind::Ptr, "", to)
    }
    fn cnst(&mut self, to: u32) -> u32 {
        self.refk(Kind::Const, "", to)
    }
    fn vol(&mut self, to: u32) -> u32 {
        self.refk(Kind::Volatile, "", to)
    }
    fn restrict(&mut self, to: u32) -> u32 {
        self.refk(Kind::Restrict, "", to)
    }
    fn typedef(&mut self, name: &str, to: u32) -> u32 {
        self.refk(Kind::Typedef, name, to)
    }
    fn type_tag(&mut self, value: &str, to: u32) -> u32 {
        self.refk(Kind::TypeTag, value, to)
    }
    fn fwd(&mut self, name: &str, union: bool) -> u32 {
        let n = self.n(name);
        self.push(&[n, info(Kind::Fwd, 0, union), 0])
    }
    fn array(&mut self, elem: u32, index: u32, nelems: u32) -> u32 {
        self.push(&[0, info(Kind::Array, 0, false), 0, elem, index, nelems])
    }
    /// STRUCT or UNION; members are (name, type, bit offset, bitfield size).
    fn composite(
        &mut self,
        union: bool,
        name: &str,
        size: u32,
        members: &[(&str, u32, u32, u32)],
    ) -> u32 {
        let kind = if union { Kind::Union } else { Kind::Struct };
        let kflag = members.iter().any(|m| m.3 != 0);
        let n = self.n(name);
        let mut w = vec![n, info(kind, members.len() as u32, kflag), size];
        for &(mname, ty, off, bits) in members {
            let mn = self.n(mname);
            w.extend_from_slice(&[mn, ty, if kflag { (bits << 24) | off } else { off }]);
        }
        self.push(&w)
    }
    fn strct(&mut self, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
        let m: Vec<_> = members.iter().map(|&(a, b, c)| (a, b, c, 0)).collect();
        self.composite(false, name, size, &m)
    }
    fn union(&mut self, name: &str, size: u32, members: &[(&str, u32)]) -> u32 {
        let m: Vec<_> = members.iter().map(|&(a, b)| (a, b, 0, 0)).collect();
        self.composite(true, name, size, &m)
    }
    fn enm(&mut self, name: &str, size: u32, values: &[(&str, i32)]) -> u32 {
        let n = self.n(name);
        let signed = values.iter().any(|v| v.1 < 0);
        let mut w = vec![n, info(Kind::Enum, values.len() as u32, signed), size];
        for &(vn, v) in values {
            let vn = self.n(vn);
            w.extend_from_slice(&[vn, v as u32]);
        }
        self.push(&w)
    }
    fn enm64(&mut self, name: &str, size: u32, values: &[(&str, u64)]) -> u32 {
        let n = self.n(name);
        let mut w = vec![n, info(Kind::Enum64, values.len() as u32, false), size];
        for &(vn, v) in values {
            let vn = self.n(vn);
            w.extend_from_slice(&[vn, v as u32, (v >> 32) as u32]);
        }
        self.push(&w)
    }
    fn proto(&mut self, ret: u32, params: &[(&str, u32)]) -> u32 {
        let mut w = vec![0, info(Kind::FuncProto, params.len() as u32, false), ret];
        for &(pn, t) in params {
            let pn = self.n(pn);
            w.extend_from_slice(&[pn, t]);
        }
        self.push(&w)
    }
    fn func(&mut self, name: &str, proto: u32, linkage: u32) -> u32 {
        let n = self.n(name);
        self.push(&[n, info(Kind::Func, linkage, false), proto])
    }
    fn var(&mut self, name: &str, ty: u32, linkage: u32) -> u32 {
        let n = self.n(name);
        self.push(&[n, info(Kind::Var, 0, false), ty, linkage])
    }
    fn datasec(&mut self, name: &str, size: u32, vars: &[(u32, u32, u32)]) -> u32 {
        let n = self.n(name);
        let mut w = vec![n, info(Kind::Datasec, vars.len() as u32, false), size];
        for &(v, off, sz) in vars {
            w.extend_from_slice(&[v, off, sz]);
        }
        self.push(&w)
    }
    fn decl_tag(&mut self, value: &str, to: u32, component: i32) -> u32 {
        let n = self.n(value);
        self.push(&[n, info(Kind::DeclTag, 0, false), to, component as u32])
    }

    /// The raw bytes: 24-byte header, types, strings, native order. A split BTF whose strings
    /// are only the leading `""` can drop it with `empty_strings`.
    fn bytes(&self) -> Vec<u8> {
        let types: Vec<u8> = self.words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let mut out = Vec::new();
        out.extend_from_slice(&0xeb9fu16.to_ne_bytes());
        out.extend_from_slice(&[1, 0]);
        for v in [
            24u32,
            0,
            types.len() as u32,
            types.len() as u32,
            self.strings.len() as u32,
        ] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        out.extend_from_slice(&types);
        out.extend_from_slice(&self.strings);
        out
    }
}

/// A base case that dedups: checks both libraries and returns the type count after dedup.
fn base_case(name: &str, raw: &Raw) -> u32 {
    let (_, t) = check(name, None, &raw.bytes());
    assert_eq!(t.ret, 0, "{name}: dedup failed");
    t.type_cnt
}

/// A base case on which dedup fails; returns the (equal) error.
fn failing_case(name: &str, raw: &Raw) -> i32 {
    let (_, t) = check(name, None, &raw.bytes());
    assert!(t.ret < 0, "{name}: dedup succeeded");
    t.ret
}

/// A split case that dedups; returns the type count after dedup.
fn split_case(name: &str, base: &Raw, split: &Raw) -> u32 {
    let (_, t) = check(name, Some(&base.bytes()), &split.bytes());
    assert_eq!(t.ret, 0, "{name}: dedup failed");
    t.type_cnt
}

/// One "compilation unit": `int`, a self-referencing list node, a pointer to it, a function.
fn cu_list(r: &mut Raw) {
    let int = r.int("int", 4, true);
    let node = r.next_id;
    r.strct("node", 16, &[("val", int, 0), ("next", node + 1, 64)]);
    let p = r.ptr(node);
    let proto = r.proto(int, &[("n", p)]);
    r.func("len", proto, 1);
}

#[test]
fn identical_units_collapse() {
    let mut r = Raw::base();
    cu_list(&mut r);
    cu_list(&mut r);
    cu_list(&mut r);
    assert_eq!(base_case("three identical units", &r), 6);
}

#[test]
fn forward_declarations_resolve() {
    // Unit 1 knows `struct foo` and `union bar` only by name.
    let mut r = Raw::base();
    let int = r.int("int", 4, true);
    let foo_fwd = r.fwd("foo", false);
    let bar_fwd = r.fwd("bar", true);
    let pf = r.ptr(foo_fwd);
    let pb = r.ptr(bar_fwd);
    r.strct("user", 16, &[("f", pf, 0), ("b", pb, 64)]);
    r.var("x", int, 1);
    // Unit 2 defines them.
    let int2 = r.int("int", 4, true);
    let foo = r.strct("foo", 4, &[("a", int2, 0)]);
    let bar = r.union("bar", 4, &[("a", int2)]);
    let pf2 = r.ptr(foo);
    let pb2 = r.ptr(bar);
    r.strct("user", 16, &[("f", pf2, 0), ("b", pb2, 64)]);
    // Unit 3: a FWD of the wrong flavour stays.
    let foo_as_union = r.fwd("foo", true);
    r.ptr(foo_as_union);
    // Unit 4: a FWD no graph walk reaches, resolved by name alone.
    let lone = r.fwd("bar", true);
    r.ptr(lone);
    base_case("forward declarations", &r);
}

#[test]
fn lookalike_structs_stay_apart() {
    let mut r = Raw::base();
    let int = r.int("int", 4, true);
    let long = r.int("long", 8, true);
    r.strct("s", 8, &[("a", int, 0)]);
    r.strct("s", 8, &[("a", long, 0)]);
    r.strct("s", 8, &[("a", int, 0)]);
    r.strct("s", 8, &[("b", int, 0)]);
    r.strct("s", 16, &[("a", int, 0)]);
    r.strct("", 8, &[("a", int, 0)]);
    r.strct("", 8, &[("a", int, 0)]);
    r.union("s", 8, &[("a", int)]);
    r.composite(false, "bits", 4, &[("x", int, 0, 3), ("y", int, 3, 5)]);
    r.composite(false, "bits", 4, &[("x", int, 0, 3), ("y", int, 3, 5)]);
    r.composite(false, "bits", 4, &[("x", int, 0, 3), ("y", int, 3, 6)]);
    base_case("lookalike structs", &r);
}

#[test]
fn cycles_through_pointers() {
    let mut r = Raw::base();
    for _ in 0..2 {
        // struct a { struct b *b; }; struct b { struct a *a; const struct b *self; };
        let a = r.next_id;
        let pa = a + 1;
        let b = a + 2;
        let pb = a + 3;
        let cb = a + 4;
        let pcb = a + 5;
        r.strct("a", 8, &[("b", pb, 0)]);
        r.ptr(a);
        r.strct("b", 16, &[("a", pa, 0), ("self", pcb, 64)]);
        r.ptr(b);
        r.cnst(b);
        r.ptr(cb);
    }
    // A third copy in which `b.self` is not const: a different graph.
    let a = r.next_id;
    r.strct("a", 8, &[("b", a + 3, 0)]);
    r.ptr(a);
    r.strct("b", 16, &[("a", a + 1, 0), ("self", a + 3, 64)]);
    r.ptr(a + 2);
    assert_eq!(base_case("pointer cycles", &r), 11);
}

#[test]
fn enums_and_their_forward_declarations() {
    let mut r = Raw::base();
    r.enm("e", 4, &[]); // forward first
    r.enm("e", 4, &[("A", 0), ("B", 1)]);
    r.enm("e", 4, &[("A", 0), ("B", 1)]);
    r.enm("e", 4, &[]); // forward after
    r.enm("e", 4, &[("A", 0), ("B", 2)]); // another full "e": the forward ones move to it
    r.enm("e", 4, &[]);
    r.enm64("big", 8, &[("X", 1 << 40)]);
    r.enm("big", 4, &[]); // ENUM forward of an ENUM64
    r.enm64("big", 8, &[("X", 1 << 40)]);
    r.enm64("big", 8, &[]);
    r.enm("neg", 4, &[("M", -1)]);
    r.enm("neg", 4, &[("M", -1)]);
    let e = r.next_id - 1;
    let pe = r.ptr(e);
    r.strct("holder", 8, &[("p", pe, 0)]);
    let fe = r.enm("neg", 4, &[]);
    let pfe = r.ptr(fe);
    r.strct("holder", 8, &[("p", pfe, 0)]);
    base_case("enums", &r);
}

#[test]
fn function_prototypes_and_functions() {
    let mut r = Raw::base();
    let int = r.int("int", 4, true);
    let chr = r.int("char", 1, true);
    let pc = r.ptr(chr);
    let p1 = r.proto(int, &[("s", pc), ("n", int)]);
    let p2 = r.proto(int, &[("s", pc), ("n", int)]);
    let p3 = r.proto(int, &[("str", pc), ("n", int)]);
    let p4 = r.proto(0, &[]);
    let p5 = r.proto(0, &[]);
    let p6 = r.proto(int, &[("s", pc), ("", 0)]); // variadic
    r.func("f", p1, 1);
    r.func("f", p2, 1);
    r.func("f", p3, 1);
    r.func("f", p1, 0);
    r.func("g", p4, 1);
    r.func("g", p5, 1);
    r.func("h", p6, 2);
    let fp = r.ptr(p2);
    r.strct("ops", 8, &[("cb", fp, 0)]);
    let fp = r.ptr(p1);
    r.strct("ops", 8, &[("cb", fp, 0)]);
    base_case("function prototypes", &r);
}

#[test]
fn arrays() {
    let mut r = Raw::base();
    let int = r.int("int", 4, true);
    let idx = r.int("__ARRAY_SIZE_TYPE__", 4, false);
    let a1 = r.array(int, idx, 4);
    let a2 = r.array(int, idx, 4);
    r.array(int, idx, 5);
    r.array(int, int, 4);
    let int2 = r.int("int", 4, true);
    let a5 = r.array(int2, idx, 4);
    let aa = r.array(a1, idx, 2);
    r.array(a2, idx, 2);
    r.strct("m", 32, &[("x", a1, 0), ("y", a5, 128)]);
    // The same struct as seen by another unit that emitted one array type for both fields.
    r.strct("m", 32, &[("x", a2, 0), ("y", a2, 128)]);
    r.strct("mm", 32, &[("x", aa, 0)]);
    base_case("arrays", &r);
}

#[test]
fn typedef_chains_and_modifiers() {
    let mut r = Raw::base();
    for _ in 0..2 {
        let int = r.int("unsigned int", 4, false);
        let t1 = r.typedef("__u32", int);
        let t2 = r.typedef("u32", t1);
        let c = r.cnst(t2);
        let v = r.vol(c);
        let p = r.ptr(v);
        r.restrict(p);
        r.strct("regs", 8, &[("r", t2, 0), ("p", p, 32)]);
    }
    // Same name, different target: distinct typedefs.
    let chr = r.int("char", 1, true);
    r.typedef("u32", chr);
    // A typedef cycle through a pointer, twice (legal in Go).
    for _ in 0..2 {
        let t = r.next_id;
        r.typedef("T", t + 1);
        r.ptr(t);
    }
    base_case("typedefs and modifiers", &r);
}

#[test]
fn vars_and_datasecs_are_never_merged() {
    let mut r = Raw::base();
    let int = r.int("int", 4, true);
    let v1 = r.var("counter", int, 1);
    let v2 = r.var("counter", int, 1);
    r.datasec(".data", 8, &[(v1, 0, 4), (v2, 4, 4)]);
    r.datasec(".data", 8, &[(v1, 0, 4), (v2, 4, 4)]);
    let int2 = r.int("int", 4, true);
    r.var("counter", int2, 1);
    r.float("double", 8);
    r.float("double", 8);
    r.float("float", 4);
    assert_eq!(base_case("vars and datasecs", &r), 9);
}

#[test]
fn decl_and_type_tags() {
    let mut r = Raw::base();
    for _ in 0..2 {
        let int = r.int("int", 4, true);
        let tt = r.type_tag("user", int);
        let p = r.ptr(tt);
        let s = r.strct("k", 8, &[("p", p, 0)]);
        r.decl_tag("noinline", s, -1);
        r.decl_tag("field", s, 0);
        let proto = r.proto(int, &[("a", p)]);
        let f = r.func("fn", proto, 1);
        r.decl_tag("arg", f, 0);
    }
    let int = r.int("int", 4, true);
    let tt = r.type_tag("kernel", int);
    r.ptr(tt);
    base_case("tags", &r);
}

#[test]
fn strings_dedup() {
    // Duplicate and unused strings in the section; two types named through different copies.
    let mut r = Raw::base();
    let unused = r.s("unused");
    let _ = unused;
    let a = r.s("int");
    let b = r.s("int");
    r.push(&[a, info(Kind::Int, 0, false), 4, (1 << 24) | 32]);
    r.push(&[b, info(Kind::Int, 0, false), 4, (1 << 24) | 32]);
    r.s("also unused");
    let m = r.s("m");
    r.push(&[m, info(Kind::Struct, 1, false), 4, a, 1, 0]);
    r.push(&[m, info(Kind::Struct, 1, false), 4, b, 2, 0]);
    // A name pointing into the middle of another string: "nt".
    r.push(&[a + 1, info(Kind::Float, 0, false), 4]);
    base_case("string dedup", &r);
    // No strings at all but the empty one.
    let mut r = Raw::base();
    r.push(&[0, info(Kind::Ptr, 0, false), 0]);
    r.push(&[0, info(Kind::Ptr, 0, false), 0]);
    assert_eq!(base_case("only the empty string", &r), 2);
}

#[test]
fn empty_btf() {
    let r = Raw::base();
    base_case("no types", &r);
}

/// A base with the usual suspects, for split cases.
fn kernel_like_base() -> Raw {
    let mut b = Raw::base();
    let int = b.int("int", 4, true); // 1
    let long = b.int("long", 8, true); // 2
    let dev = b.next_id; // 3
    b.strct("device", 16, &[("id", int, 0), ("parent", dev + 1, 64)]);
    b.ptr(dev); // 4
    b.fwd("opaque", false); // 5
    let pt = b.typedef("pid_t", int); // 6
    b.enm("state", 4, &[("ON", 1), ("OFF", 0)]); // 7
    b.enm("later", 4, &[]); // 8: an enum forward in the base
    let p = b.proto(long, &[("d", dev + 1)]); // 9
    b.func("probe", p, 1); // 10
    b.strct("task", 8, &[("pid", pt, 0)]); // 11
    b.strct("dup", 4, &[("x", int, 0)]); // 12
    b.strct("dup", 4, &[("x", int, 0)]); // 13: a duplicate inside the base itself
    b
}

#[test]
fn split_over_base_duplicates() {
    let base = kernel_like_base();
    let mut s = Raw::split(&base);
    // A module's own copies of base types, then its own types.
    let int = s.int("int", 4, true);
    let dev = s.next_id;
    s.strct("device", 16, &[("id", int, 0), ("parent", dev + 1, 64)]);
    s.ptr(dev);
    let pt = s.typedef("pid_t", int);
    s.strct("task", 8, &[("pid", pt, 0)]);
    s.enm("state", 4, &[("ON", 1), ("OFF", 0)]);
    s.enm("later", 4, &[("X", 7)]); // the base's forward now points here
    s.enm("state", 4, &[]);
    let my = s.strct("my_dev", 24, &[("dev", dev, 0), ("extra", int, 128)]);
    s.ptr(my);
    s.strct("opaque", 4, &[("x", int, 0)]); // defines the base's FWD: base cannot change
    let fo = s.fwd("opaque", false);
    s.ptr(fo);
    s.strct("dup", 4, &[("x", int, 0)]);
    let long = s.int("long", 8, true);
    let p = s.proto(long, &[("d", dev + 1)]);
    s.func("probe", p, 1);
    s.var("v", int, 0);
    s.s("a string only the module has but nothing uses");
    split_case("split over base duplicates", &base, &s);
}

#[test]
fn split_forward_declarations() {
    let base = kernel_like_base();
    let mut s = Raw::split(&base);
    // struct holder { struct opaque *o; } with the base FWD, then a full opaque in the split.
    let po = s.ptr(5);
    s.strct("holder", 8, &[("o", po, 0)]);
    let int = s.int("int", 4, true);
    let op = s.strct("opaque", 4, &[("x", int, 0)]);
    let po2 = s.ptr(op);
    s.strct("holder", 8, &[("o", po2, 0)]);
    // A module FWD for a base struct, resolved by name.
    let fd = s.fwd("device", false);
    s.ptr(fd);
    split_case("split forward declarations", &base, &s);
}

#[test]
fn split_strings_only_in_base() {
    let base = kernel_like_base();
    let mut s = Raw::split(&base);
    let n = s.s("int");
    s.push(&[n, info(Kind::Int, 0, false), 4, (1 << 24) | 32]);
    s.push(&[0, info(Kind::Ptr, 0, false), base.next_id]);
    split_case("split with base strings only", &base, &s);
    // No own strings at all (an empty string section).
    let mut s = Raw::split(&base);
    s.strings.clear();
    s.push(&[0, info(Kind::Ptr, 0, false), 1]);
    s.push(&[0, info(Kind::Ptr, 0, false), 1]);
    split_case("split with an empty string section", &base, &s);
}

#[test]
fn reference_loops_fail() {
    let mut r = Raw::base();
    let id = r.next_id;
    r.ptr(id + 1);
    r.cnst(id);
    assert_eq!(failing_case("pointer/const loop", &r), -libc::ELOOP);
    let mut r = Raw::base();
    let id = r.next_id;
    r.array(id, 0, 1);
    assert_eq!(failing_case("array of itself", &r), -libc::ELOOP);
}

#[test]
fn candidate_order_decides() {
    // Two different full structs named X, then holders whose X is only forward declared: the
    // holder matches both canonical holders, and the visiting order picks one.
    let mut r = Raw::base();
    let int = r.int("int", 4, true);
    let long = r.int("long", 8, true);
    for (ty, sz) in [(int, 4), (long, 8), (int, 4)] {
        let x = r.strct("X", sz, &[("v", ty, 0)]);
        let px = r.ptr(x);
        r.strct("H", 8, &[("x", px, 0)]);
    }
    for _ in 0..5 {
        let fx = r.fwd("X", false);
        let px = r.ptr(fx);
        r.strct("H", 8, &[("x", px, 0)]);
    }
    // Enum forwards against several full enums, across table growths.
    for i in 0..12 {
        r.enm("E", 4, &[("A", i % 3)]);
        r.enm("E", 4, &[]);
    }
    base_case("candidate order", &r);
}

/// Layouts libbpf rebuilds on modification: a gap before the types, a gap before the strings,
/// trailing bytes, a longer header; and big-endian data, which stays big-endian.
#[test]
fn unusual_layouts_and_byte_order() {
    let mut r = Raw::base();
    cu_list(&mut r);
    cu_list(&mut r);
    let plain = r.bytes();
    let types_len = r.words.len() * 4;
    let with = |hdr_extra: usize, type_gap: usize, str_gap: usize, trailing: usize| {
        let hdr_len = 24 + hdr_extra;
        let mut out = Vec::new();
        out.extend_from_slice(&plain[..4]);
        let type_off = type_gap as u32;
        let str_off = (type_gap + types_len + str_gap) as u32;
        for v in [
            hdr_len as u32,
            type_off,
            types_len as u32,
            str_off,
            r.strings.len() as u32,
        ] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        out.resize(hdr_len + type_gap, 0);
        out.extend_from_slice(&plain[24..24 + types_len]);
        out.resize(out.len() + str_gap, 0);
        out.extend_from_slice(&r.strings);
        out.resize(out.len() + trailing, 0);
        out
    };
    for (name, data) in [
        ("gap before types", with(0, 4, 0, 0)),
        ("gap before strings", with(0, 0, 8, 0)),
        ("trailing bytes", with(0, 0, 0, 12)),
        ("32-byte header", with(8, 0, 0, 0)),
    ] {
        check(name, None, &data);
    }
    let big = Btf::from_bytes(&plain).expect("parses");
    big.set_endianness(btf_core::Endianness::Big);
    let big = big.raw_data().into_owned();
    let (_, t) = check("big-endian", None, &big);
    assert_eq!(t.raw[..2], 0xeb9fu16.to_be_bytes());
    let base = kernel_like_base();
    let b = Btf::from_bytes(&base.bytes()).expect("base parses");
    b.set_endianness(btf_core::Endianness::Big);
    let big_base = b.raw_data().into_owned();
    let b = Arc::new(Btf::from_bytes(&big_base).expect("big base parses"));
    let mut s = Raw::split(&base);
    let int = s.int("int", 4, true);
    s.ptr(int);
    s.int("wide", 16, false);
    let split = Btf::from_bytes_split(&s.bytes(), Arc::clone(&b)).expect("split parses");
    split.set_endianness(btf_core::Endianness::Big);
    check("big-endian split", Some(&big_base), &split.raw_data());
}

/// Twins: a struct whose two members share one type in one copy and have two distinct but
/// identical types in the other — the walk then compares the twins structurally (6-level ladders
/// of 4-member structs: thousands of comparisons), and the copies are merged.
#[test]
fn structurally_identical_twins() {
    let mut r = Raw::base();
    let (levels, members) = (6u32, 4u32);
    r.strct("S", 16, &[("a", 3, 0), ("b", 3, 64)]); // 1
    r.strct("S", 16, &[("a", 4, 0), ("b", 5, 64)]); // 2
    let int = 3 + 3 * levels;
    for k in 0..levels {
        for _ in 0..3 {
            let id = r.next_id;
            let next = if k == levels - 1 { int } else { id + 3 };
            let names: Vec<String> = (0..members).map(|m| format!("m{m}")).collect();
            let ms: Vec<(&str, u32, u32)> = names
                .iter()
                .enumerate()
                .map(|(m, n)| (n.as_str(), next, m as u32 * 64))
                .collect();
            r.strct("L", 64, &ms);
        }
    }
    assert_eq!(r.int("int", 4, true), int);
    base_case("structurally identical twins", &r);
}

// -------------------------------------------------------------------------------------------------
// Mutations
// -------------------------------------------------------------------------------------------------

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Records of raw BTF `data` (split over `base` when given, as parsed by btf-core), its string
/// section, start id and first string offset.
fn records(base: Option<&[u8]>, data: &[u8]) -> (Vec<Vec<u32>>, Vec<u8>, u32, u32) {
    let btf = match base {
        Some(b) => Btf::from_bytes_split(
            data,
            Arc::new(Btf::from_bytes(b).expect("seed base parses")),
        ),
        None => Btf::from_bytes(data),
    }
    .expect("seed parses");
    let recs = btf.types().map(|t| t.words().to_vec()).collect();
    (
        recs,
        btf.strings_section().to_vec(),
        btf.start_id(),
        btf.start_str_off(),
    )
}

fn encode(recs: &[Vec<u32>], strings: &[u8]) -> Vec<u8> {
    let mut r = Raw::base();
    r.strings = strings.to_vec();
    for rec in recs {
        r.push(rec);
    }
    r.bytes()
}

/// Logical offsets where own strings start (plus 0).
fn string_starts(strings: &[u8], str_base: u32) -> Vec<u32> {
    let mut out = vec![0];
    let mut at = 0;
    for part in strings.split(|&b| b == 0) {
        if at < strings.len() {
            out.push(str_base + at as u32);
        }
        at += part.len() + 1;
    }
    out
}

/// A seed with a bit of everything, twice, with small differences between the copies.
fn zoo() -> Raw {
    let mut r = Raw::base();
    for copy in 0..2u32 {
        cu_list(&mut r);
        let int = r.int("int", 4, true);
        let fx = r.fwd("X", false);
        let pfx = r.ptr(fx);
        let x = r.strct("X", 8, &[("a", int, 0), ("h", pfx, 32)]);
        let px = r.ptr(x);
        let cx = r.cnst(x);
        let pcx = r.ptr(cx);
        let t = r.typedef("xt", px);
        let e = r.enm("E", 4, &[("A", copy as i32)]);
        let ef = r.enm("E", 4, &[]);
        let idx = r.int("__ARRAY_SIZE_TYPE__", 4, false);
        let arr = r.array(t, idx, 3);
        let u = r.union("U", 8, &[("x", px), ("e", e)]);
        r.strct(
            "Y",
            48,
            &[
                ("t", t, 0),
                ("a", arr, 64),
                ("u", u, 256),
                ("f", ef, 320),
                ("c", pcx, 352),
            ],
        );
        let proto = r.proto(int, &[("x", px), ("y", t)]);
        let f = r.func("use", proto, 1);
        r.decl_tag("tag", f, 1);
        let tt = r.type_tag("user", int);
        r.ptr(tt);
        r.var("gx", x, 1);
    }
    r
}

/// A split seed over [`kernel_like_base`]: copies of base types, its own types, twice.
fn split_zoo(base: &Raw) -> Raw {
    let mut s = Raw::split(base);
    for _ in 0..2 {
        let int = s.int("int", 4, true);
        let dev = s.next_id;
        s.strct("device", 16, &[("id", int, 0), ("parent", dev + 1, 64)]);
        s.ptr(dev);
        let po = s.ptr(5);
        let m = s.strct(
            "mod",
            24,
            &[("d", dev + 1, 0), ("o", po, 64), ("n", 6, 128)],
        );
        s.ptr(m);
        s.enm("later", 4, &[("X", 7)]);
        s.fwd("opaque", false);
        let p = s.proto(2, &[("d", dev + 1)]);
        s.func("probe", p, 1);
    }
    s
}

/// One random edit of `recs`: a type reference or a name rewired, a kind flag or a size flipped,
/// or a record copied over another of the same length (a fresh duplicate).
fn mutate(recs: &mut [Vec<u32>], rng: &mut Rng, type_cnt: usize, starts: &[u32]) {
    use btf_core::fields::{FieldKind, field_positions};
    let n = recs.len();
    let at = rng.below(n);
    let (kind, vlen) = ((recs[at][1] >> 24) & 0x1f, recs[at][1] & 0xffff);
    let positions = |which| -> Vec<usize> {
        field_positions(kind, vlen, which)
            .map(Iterator::collect)
            .unwrap_or_default()
    };
    match rng.below(6) {
        0 | 1 => {
            let ids = positions(FieldKind::TypeIds);
            if !ids.is_empty() {
                recs[at][ids[rng.below(ids.len())]] = rng.below(type_cnt) as u32;
            }
        }
        2 => {
            let strs = positions(FieldKind::Strings);
            if !strs.is_empty() {
                recs[at][strs[rng.below(strs.len())]] = starts[rng.below(starts.len())];
            }
        }
        3 => recs[at][1] ^= 1 << 31,
        4 => {
            let from = rng.below(n);
            if recs[from].len() == recs[at].len() {
                recs[at] = recs[from].clone();
            }
        }
        _ => {
            if kind == Kind::Struct as u32 || kind == Kind::Union as u32 || kind == Kind::Int as u32
            {
                recs[at][2] ^= 4;
            }
        }
    }
}

/// Rewires parseable seeds at random and compares both libraries on every variant libbpf accepts.
#[test]
fn mutations() {
    let kbase = kernel_like_base();
    let kbase_bytes = kbase.bytes();
    let mut seeds: Vec<(String, Option<Vec<u8>>, Vec<u8>)> = vec![
        ("zoo".into(), None, zoo().bytes()),
        (
            "split zoo".into(),
            Some(kbase_bytes.clone()),
            split_zoo(&kbase).bytes(),
        ),
    ];
    let small = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-data/small.btf");
    if let Ok(bytes) = std::fs::read(small) {
        let one = Btf::from_bytes(&bytes).expect("small.btf parses");
        let mut two = Btf::new_empty();
        two.add_btf(&one).expect("add_btf");
        two.add_btf(&one).expect("add_btf");
        seeds.push(("small.btf twice".into(), None, two.raw_data().into_owned()));
    }
    let mut rng = Rng(0x6465_6475_7021);
    let (mut compared, mut failed, mut endless, mut refused) = (0, 0, 0, 0);
    let mut diffs = Vec::new();
    for (name, base, seed) in &seeds {
        let base = base.as_deref();
        let (recs, strings, start_id, str_base) = records(base, seed);
        let starts = string_starts(&strings, str_base);
        let type_cnt = start_id as usize + recs.len();
        for case in 0..500 {
            let mut recs = recs.clone();
            for _ in 0..1 + rng.below(4) {
                mutate(&mut recs, &mut rng, type_cnt, &starts);
            }
            let mut data = encode(&recs, &strings);
            if base.is_some() {
                // `encode` writes a base header; the split's string section is the seed's own.
                data = {
                    let mut r = Raw::split(&kbase);
                    r.strings = strings.clone();
                    for rec in &recs {
                        r.push(rec);
                    }
                    r.bytes()
                };
            }
            let parses = match base {
                Some(b) => libbpf::LibbpfBtf::from_bytes(b).and_then(|b| {
                    libbpf::LibbpfBtf::from_bytes_split(&data, &Arc::new(b)).map(drop)
                }),
                None => libbpf::LibbpfBtf::from_bytes(&data).map(drop),
            };
            if parses.is_err() {
                refused += 1;
                continue;
            }
            // Ours first: inputs libbpf would never finish are not handed to it.
            let mine = ours(base, &data, DedupSource::Parsed, false).expect("btf-core parses");
            if mine.ret != 0 {
                let parsed = match base {
                    Some(b) => Btf::from_bytes_split(
                        &data,
                        Arc::new(Btf::from_bytes(b).expect("base parses")),
                    ),
                    None => Btf::from_bytes(&data),
                };
                let never_ends = parsed.is_ok_and(|mut b| {
                    b.dedup(&DedupOptions::new())
                        .is_err_and(|e| e.message().contains("would not terminate"))
                });
                if never_ends {
                    endless += 1;
                    continue;
                }
                failed += 1;
            }
            for source in [DedupSource::Parsed, DedupSource::Rebuilt] {
                let what = format!("{name} #{case}");
                if let Err(e) = compare(&what, base, &data, source, case % 5 == 0) {
                    diffs.push(e);
                }
            }
            compared += 1;
        }
    }
    eprintln!(
        "mutations: {compared} compared ({failed} of them failing alike), {endless} endless (not \
         given to libbpf), {refused} refused by libbpf's parser"
    );
    assert!(
        diffs.is_empty(),
        "{} of {compared} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert!(compared > 1000, "too few mutants compared: {compared}");
}

// -------------------------------------------------------------------------------------------------
// Corpus
// -------------------------------------------------------------------------------------------------

#[test]
fn pahole_small_btfs() {
    let dir = btf_difftest::require_corpus!("dedup_differential::pahole_small_btfs");
    let p = dir.join("pahole");
    let read = |f: &str| std::fs::read(p.join(f)).expect("pahole corpus file");
    let small = read("small.btf");
    check("pahole small.btf", None, &small);
    check("pahole small-all.btf", None, &read("small-all.btf"));
    check("pahole mod-split.btf", Some(&small), &read("mod-split.btf"));
}

/// Base BTF made of several raw BTFs glued with `add_btf`.
fn glued_base(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Btf::new_empty();
    for p in parts {
        out.add_btf(&Btf::from_bytes(p).expect("part parses"))
            .expect("add_btf");
    }
    out.raw_data().into_owned()
}

#[test]
fn vmlinux_as_base() {
    let _dir = btf_difftest::require_corpus!("dedup_differential::vmlinux_as_base");
    let (Some(v47), Some(v54)) = (
        corpus::vmlinux_file("6.1.0-47"),
        corpus::vmlinux_file("6.1.0-54"),
    ) else {
        eprintln!("SKIP vmlinux_as_base: vmlinux files missing");
        return;
    };
    let v47 = std::fs::read(v47).expect("read");
    let v54 = std::fs::read(v54).expect("read");
    for (name, data) in [
        ("vmlinux 6.1.0-54".to_owned(), v54.clone()),
        (
            "vmlinux 6.1.0-47 + 6.1.0-54".to_owned(),
            glued_base(&[&v47, &v54]),
        ),
    ] {
        for source in [DedupSource::Parsed, DedupSource::Rebuilt] {
            let (o, t) = compare(&name, None, &data, source, false)
                .unwrap_or_else(|e| panic!("{e}"))
                .expect("input accepted");
            eprintln!(
                "{name} ({source:?}): {} types after dedup; ours {:.0} ms, libbpf {:.0} ms",
                t.type_cnt,
                o.elapsed.as_secs_f64() * 1e3,
                t.elapsed.as_secs_f64() * 1e3
            );
        }
    }
}

/// The modules of `ver` named in `names` glued into one split BTF over `base` (raw bytes).
fn glued_split(base: &Arc<Btf>, modules: &[&[u8]]) -> Vec<u8> {
    let mut out = Btf::new_empty_split(Arc::clone(base));
    for m in modules {
        let m = Btf::from_bytes_split(m, Arc::clone(base)).expect("module parses");
        out.add_btf(&m).expect("add_btf");
    }
    out.raw_data().into_owned()
}

const MODULES_VER: &str = "6.1.0-54";

#[test]
fn module_groups() {
    let _dir = btf_difftest::require_corpus!("dedup_differential::module_groups");
    let Some(vmlinux) = corpus::vmlinux_file(MODULES_VER) else {
        eprintln!("SKIP module_groups: vmlinux/{MODULES_VER}.btf missing");
        return;
    };
    let base_bytes = std::fs::read(vmlinux).expect("read vmlinux");
    let base = Arc::new(Btf::from_bytes(&base_bytes).expect("vmlinux parses"));
    let modules = corpus::modules_all(MODULES_VER).expect("modules-all archive");
    let mut rng = Rng(0x6d6f_6475_6c65);
    let mut groups: Vec<(String, Vec<&[u8]>)> = Vec::new();
    // Single modules, a module twice, and random groups of growing size.
    for i in [0, modules.len() / 2, modules.len() - 1] {
        groups.push((modules[i].0.clone(), vec![&modules[i].1]));
    }
    groups.push((
        format!("{} twice", modules[7].0),
        vec![&modules[7].1, &modules[7].1],
    ));
    for size in [2, 5, 10, 25, 60] {
        let picked: Vec<usize> = (0..size).map(|_| rng.below(modules.len())).collect();
        groups.push((
            format!("{size} random modules"),
            picked.iter().map(|&i| &modules[i].1[..]).collect(),
        ));
    }
    let mut diffs = Vec::new();
    for (name, members) in &groups {
        let split = glued_split(&base, members);
        for source in [DedupSource::Parsed, DedupSource::Rebuilt] {
            match compare(name, Some(&base_bytes), &split, source, false) {
                Ok(None) => diffs.push(format!("{name}: input refused")),
                Ok(Some((o, t))) => eprintln!(
                    "{name} ({source:?}): {} → {} types; ours {:.1} ms, libbpf {:.1} ms",
                    Btf::from_bytes_split(&split, Arc::clone(&base)).map_or(0, |b| b.type_cnt()),
                    t.type_cnt,
                    o.elapsed.as_secs_f64() * 1e3,
                    t.elapsed.as_secs_f64() * 1e3
                ),
                Err(e) => diffs.push(e),
            }
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// All 4,023 modules of 6.1.0-54 in one split over its vmlinux (the corpus fact: 941,065 →
/// 430,418 types).
#[test]
fn all_modules() {
    let _dir = btf_difftest::require_corpus!("dedup_differential::all_modules");
    let Some(vmlinux) = corpus::vmlinux_file(MODULES_VER) else {
        eprintln!("SKIP all_modules: vmlinux/{MODULES_VER}.btf missing");
        return;
    };
    let base_bytes = std::fs::read(vmlinux).expect("read vmlinux");
    let base = Arc::new(Btf::from_bytes(&base_bytes).expect("vmlinux parses"));
    let modules = corpus::modules_all(MODULES_VER).expect("modules-all archive");
    assert_eq!(modules.len(), 4023);
    let members: Vec<&[u8]> = modules.iter().map(|m| &m.1[..]).collect();
    let split = glued_split(&base, &members);
    let before = Btf::from_bytes_split(&split, Arc::clone(&base))
        .expect("glued split parses")
        .type_cnt();
    for source in [DedupSource::Parsed, DedupSource::Rebuilt] {
        let (o, t) = compare(
            "all 4,023 modules",
            Some(&base_bytes),
            &split,
            source,
            false,
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("input accepted");
        eprintln!(
            "all 4,023 modules ({source:?}): type_cnt {before} → {} ({} → {} own types), {} bytes; \
             dedup ours {:.0} ms, libbpf {:.0} ms",
            t.type_cnt,
            before - base.type_cnt(),
            t.type_cnt - base.type_cnt(),
            t.raw.len(),
            o.elapsed.as_secs_f64() * 1e3,
            t.elapsed.as_secs_f64() * 1e3
        );
    }
}
