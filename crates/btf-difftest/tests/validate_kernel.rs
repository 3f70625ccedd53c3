//! `btf_core::validate::validate_bytes` against the running kernel (`BPF_BTF_LOAD`): every corpus
//! vmlinux, and 100,000+ deterministic mutations of small valid BTF (hand-built with every kind,
//! BPF-object BTF as libbpf 1.7.0 finalises it, slices of corpus vmlinux BTF). Verdicts must agree
//! on all inputs; errno and the log's last line on at least 99 % of rejections.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Instant;

use btf_core::validate::{self, Rejection};
use btf_core::{Btf, FUNC_GLOBAL, FUNC_STATIC, FwdKind, VAR_GLOBAL_ALLOCATED, VAR_STATIC};
use btf_difftest::kernel::{self, KernelVerdict};
use btf_difftest::{bpfobj, corpus};
use rayon::prelude::*;

fn oracle_or_skip(test: &str) -> bool {
    match kernel::unavailable() {
        None => true,
        Some(reason) => {
            eprintln!("SKIP {test}: {reason}");
            false
        }
    }
}

/// Ours and the kernel's, compared: `(verdict equal, errno and last line equal)`.
fn compare(ours: &Result<(), Rejection>, k: &KernelVerdict) -> (bool, bool) {
    match ours {
        Ok(()) => (k.accepted, k.accepted),
        Err(r) => (
            !k.accepted,
            !k.accepted && r.errno == k.errno && r.message == k.last_line,
        ),
    }
}

fn show(ours: &Result<(), Rejection>) -> String {
    match ours {
        Ok(()) => "accepted".into(),
        Err(r) => format!("errno {} {:?}", r.errno, r.message),
    }
}

#[test]
fn corpus_vmlinux_verdicts_equal_kernel() {
    if !oracle_or_skip("corpus_vmlinux_verdicts_equal_kernel") {
        return;
    }
    let files = corpus::vmlinux_files();
    if files.is_empty() {
        eprintln!("SKIP corpus_vmlinux_verdicts_equal_kernel: no corpus vmlinux");
        return;
    }
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let t = Instant::now();
        let ours = validate::validate_bytes(&data);
        let dt = t.elapsed();
        let k = kernel::verdict(&data);
        println!(
            "{}: {} bytes; ours {} ({:.0?}); kernel {}",
            f.display(),
            data.len(),
            show(&ours),
            dt,
            if k.accepted {
                "accepted".to_string()
            } else {
                format!("errno {} {:?}", k.errno, k.last_line)
            }
        );
        let (v, m) = compare(&ours, &k);
        assert!(v, "{}: verdicts differ", f.display());
        assert!(m, "{}: errno or message differs", f.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Valid inputs.

fn raw(b: &Btf) -> Vec<u8> {
    b.raw_data().into_owned()
}

/// Every kind: ints, float, modifiers, type tags, arrays, struct with bitfields (kind_flag),
/// union, enums (signed, 64-bit), forwards, FUNC/FUNC_PROTO with linkages and varargs, VAR,
/// DATASEC, DECL_TAG and decl attributes, a self-referencing list node.
fn seed_all_kinds() -> Vec<u8> {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let uchar = b.add_int("unsigned char", 1, 0).unwrap();
    let u64t = b.add_int("long long unsigned int", 8, 0).unwrap();
    let _bool = b.add_int("_Bool", 1, 4).unwrap();
    let dbl = b.add_float("double", 8).unwrap();
    let ptr = b.add_ptr(int).unwrap();
    let cst = b.add_const(int).unwrap();
    let _vol = b.add_volatile(ptr).unwrap();
    let _rst = b.add_restrict(ptr).unwrap();
    let tt = b.add_type_tag("user", int).unwrap();
    let ptr_tt = b.add_ptr(tt).unwrap();
    let td = b.add_typedef("myint", cst).unwrap();
    let arr = b.add_array(int, uchar, 16).unwrap();
    let st = b.add_struct("s", 40).unwrap();
    b.add_field("a", int, 0, 0).unwrap();
    b.add_field("b", int, 32, 3).unwrap();
    b.add_field("c", td, 35, 5).unwrap();
    b.add_field("p", ptr, 64, 0).unwrap();
    b.add_field("arr", arr, 128, 0).unwrap();
    b.add_field("d", dbl, 256, 0).unwrap();
    let un = b.add_union("u", 8).unwrap();
    b.add_field("x", u64t, 0, 0).unwrap();
    b.add_field("y", dbl, 0, 0).unwrap();
    let en = b.add_enum("e", 4).unwrap();
    b.add_enum_value("A", 0).unwrap();
    b.add_enum_value("B", -1).unwrap();
    let en64 = b.add_enum64("e64", 8, false).unwrap();
    b.add_enum64_value("X", 1 << 40).unwrap();
    let _fwd = b.add_fwd("fw", FwdKind::Struct).unwrap();
    let _fwu = b.add_fwd("fu", FwdKind::Union).unwrap();
    let node = b.add_struct("node", 16).unwrap();
    b.add_field("next", node + 1, 0, 0).unwrap();
    b.add_field("e", en, 64, 0).unwrap();
    b.add_field("u", un, 64, 0).unwrap();
    let _node_ptr = b.add_ptr(node).unwrap();
    let proto = b.add_func_proto(int).unwrap();
    b.add_func_param("x", int).unwrap();
    b.add_func_param("p", ptr_tt).unwrap();
    let func = b.add_func("f", FUNC_GLOBAL, proto).unwrap();
    let proto2 = b.add_func_proto(0).unwrap();
    b.add_func_param("fmt", ptr).unwrap();
    b.add_func_param("", 0).unwrap();
    let _func2 = b.add_func("g", FUNC_STATIC, proto2).unwrap();
    let fp = b.add_func_proto(en64).unwrap();
    let _fpp = b.add_ptr(fp).unwrap();
    let var = b.add_var("v", VAR_GLOBAL_ALLOCATED, int).unwrap();
    let var2 = b.add_var("w", VAR_STATIC, arr).unwrap();
    let _ds = b.add_datasec(".data", 32).unwrap();
    b.add_datasec_var_info(var, 0, 4).unwrap();
    b.add_datasec_var_info(var2, 4, 16).unwrap();
    b.add_decl_tag("tag1", st, 0).unwrap();
    b.add_decl_tag("tag2", func, 1).unwrap();
    b.add_decl_tag("tag3", var, -1).unwrap();
    b.add_decl_attr("attr", td, -1).unwrap();
    raw(&b)
}

/// A struct with bitfields of int and enum members (kind_flag set) and a nested struct.
fn seed_bitfields() -> Vec<u8> {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let u16t = b.add_int("short unsigned int", 2, 0).unwrap();
    let en = b.add_enum("mode", 4).unwrap();
    b.add_enum_value("M_A", 1).unwrap();
    b.add_enum_value("M_B", 2).unwrap();
    let inner = b.add_struct("inner", 4).unwrap();
    b.add_field("lo", u16t, 0, 0).unwrap();
    b.add_field("hi", u16t, 16, 0).unwrap();
    let _outer = b.add_struct("outer", 16).unwrap();
    b.add_field("a", int, 0, 1).unwrap();
    b.add_field("b", int, 1, 7).unwrap();
    b.add_field("m", en, 8, 4).unwrap();
    b.add_field("in", inner, 32, 0).unwrap();
    b.add_field("z", int, 64, 0).unwrap();
    raw(&b)
}

/// Data sections, functions and tags.
fn seed_datasec() -> Vec<u8> {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let chr = b.add_int("char", 1, 2).unwrap();
    let arr = b.add_array(int, chr, 4).unwrap();
    let v1 = b.add_var("counter", VAR_GLOBAL_ALLOCATED, int).unwrap();
    let v2 = b.add_var("LICENSE", VAR_GLOBAL_ALLOCATED, arr).unwrap();
    let v3 = b.add_var("flag", VAR_STATIC, chr).unwrap();
    let _d1 = b.add_datasec(".bss", 8).unwrap();
    b.add_datasec_var_info(v1, 0, 4).unwrap();
    b.add_datasec_var_info(v3, 4, 1).unwrap();
    let _d2 = b.add_datasec("license", 4).unwrap();
    b.add_datasec_var_info(v2, 0, 4).unwrap();
    let proto = b.add_func_proto(int).unwrap();
    b.add_func_param("ctx", int).unwrap();
    let f = b.add_func("prog", FUNC_GLOBAL, proto).unwrap();
    b.add_decl_tag("hidden", f, -1).unwrap();
    b.add_decl_tag("arg_ctx", f, 0).unwrap();
    raw(&b)
}

/// Long modifier chains (30 deep, near the kernel's 32-entry resolve stack), type tags above
/// modifiers, floats in a struct (alignment checks), a pointer cycle through a struct.
fn seed_chains() -> Vec<u8> {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let mut top = int;
    for i in 0..30 {
        top = if i % 3 == 0 {
            b.add_typedef(format!("t{i}"), top).unwrap()
        } else {
            b.add_const(top).unwrap()
        };
    }
    let tt = b.add_type_tag("a", top).unwrap();
    let tt2 = b.add_type_tag("b", tt).unwrap();
    let p = b.add_ptr(tt2).unwrap();
    let flt = b.add_float("float", 4).unwrap();
    let f16 = b.add_float("long double", 16).unwrap();
    let st = b.add_struct("fl", 48).unwrap();
    b.add_field("f", flt, 0, 0).unwrap();
    b.add_field("deep", top, 32, 0).unwrap();
    b.add_field("p", p, 64, 0).unwrap();
    b.add_field("ld", f16, 128, 0).unwrap();
    b.add_field("self", st + 1, 256, 0).unwrap();
    b.add_ptr(st).unwrap();
    raw(&b)
}

/// A standalone copy of `roots` and everything they refer to, if that is at most `cap` types.
fn closure_slice(src: &Btf, roots: &[u32], cap: usize) -> Option<Vec<u8>> {
    use btf_core::fields::{FieldKind, field_positions};
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    let mut queue: VecDeque<u32> = roots.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        if id == 0 || !seen.insert(id) {
            continue;
        }
        order.push(id);
        if order.len() > cap {
            return None;
        }
        let t = src.type_by_id(id)?;
        for p in field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds)? {
            queue.push_back(*t.words().get(p)?);
        }
    }
    let map: BTreeMap<u32, u32> = order
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32 + 1))
        .collect();
    let mut b = Btf::new_empty();
    for &id in &order {
        let t = src.type_by_id(id)?;
        let mut w = t.words().to_vec();
        for p in field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds)? {
            if w[p] != 0 {
                w[p] = map[&w[p]];
            }
        }
        b.add_type_record(Some(src), &w).ok()?;
    }
    Some(raw(&b))
}

type TypePred = fn(&btf_core::TypeRef<'_>) -> bool;

/// Slices of the newest corpus vmlinux: the first few roots of several kinds whose closure is
/// small (a bitfield struct, a union, an ENUM64, a FUNC, a typedef of a function pointer).
fn seed_corpus_slices() -> Vec<(String, Vec<u8>)> {
    let Some(path) = corpus::vmlinux_file("6.18.44") else {
        return Vec::new();
    };
    let Ok(vmlinux) = Btf::parse_file(&path, None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let wanted: [(&str, TypePred); 5] = [
        ("kflag-struct", |t| {
            t.is(btf_core::Kind::Struct) && t.kflag() && t.vlen() > 3
        }),
        ("union", |t| t.is(btf_core::Kind::Union) && t.vlen() > 2),
        ("enum64", |t| t.is(btf_core::Kind::Enum64)),
        ("func", |t| t.is(btf_core::Kind::Func)),
        ("typedef", |t| t.is(btf_core::Kind::Typedef)),
    ];
    for (label, pred) in wanted {
        let mut found = 0;
        for t in vmlinux.types() {
            if found == 2 {
                break;
            }
            if pred(&t)
                && let Some(bytes) = closure_slice(&vmlinux, &[t.id()], 40)
                && bytes.len() > 150
            {
                out.push((format!("vmlinux-6.18:{label}#{}", t.id()), bytes));
                found += 1;
            }
        }
    }
    out
}

/// The BTF libbpf finalises for the test BPF objects (little-endian ones, the smallest three).
fn seed_bpf_objects() -> Vec<(String, Vec<u8>)> {
    let Ok(objs) = bpfobj::objects() else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = objs
        .iter()
        .filter(|o| !o.big_endian)
        .filter_map(|o| {
            kernel::libbpf_object_btf(&o.path).map(|b| (format!("bpfobj:{}", o.name), b))
        })
        .collect();
    out.sort_by_key(|(_, b)| b.len());
    out.truncate(3);
    out
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut s = vec![
        ("builder:all-kinds".to_string(), seed_all_kinds()),
        ("builder:bitfields".to_string(), seed_bitfields()),
        ("builder:datasec".to_string(), seed_datasec()),
        ("builder:chains".to_string(), seed_chains()),
    ];
    s.extend(seed_bpf_objects());
    s.extend(seed_corpus_slices());
    s
}

// ---------------------------------------------------------------------------------------------
// Mutations.

struct Rng(u64);

impl Rng {
    fn new(a: u64, b: u64, c: u64) -> Rng {
        let mut r =
            Rng(a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.rotate_left(21) ^ c.rotate_left(42));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// A seed's layout: header words, the word index of each type record in the type section, and
/// the number of types.
struct Layout {
    type_start: usize,
    type_len: usize,
    str_start: usize,
    str_len: usize,
    records: Vec<(usize, usize)>,
}

fn rd(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
}

fn wr(b: &mut [u8], at: usize, v: u32) {
    if at + 4 <= b.len() {
        b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    }
}

fn layout(b: &[u8]) -> Layout {
    let hdr_len = rd(b, 4) as usize;
    let type_start = hdr_len + rd(b, 8) as usize;
    let type_len = rd(b, 12) as usize;
    let str_start = hdr_len + rd(b, 16) as usize;
    let str_len = rd(b, 20) as usize;
    let words: Vec<u32> = b[type_start..type_start + type_len]
        .chunks_exact(4)
        .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    let mut records = Vec::new();
    let mut w = 0;
    while w + 3 <= words.len() {
        let n = btf_core::record_len_words(&words[w..]).unwrap_or(3);
        records.push((w, n));
        w += n;
    }
    Layout {
        type_start,
        type_len,
        str_start,
        str_len,
        records,
    }
}

fn interesting(rng: &mut Rng, l: &Layout) -> u32 {
    let n = l.records.len() as u32;
    let list = [
        0,
        1,
        2,
        3,
        4,
        7,
        8,
        9,
        12,
        15,
        16,
        24,
        31,
        32,
        33,
        63,
        64,
        127,
        128,
        129,
        255,
        256,
        0x7fff,
        0x8000,
        0xffff,
        0x1_0000,
        0xff_ffff,
        0x100_0000,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fffe,
        0xffff_ffff,
        n,
        n + 1,
        n + 2,
        0xf_ffff,
        0x10_0000,
        l.str_len as u32 - 1,
        l.str_len as u32,
    ];
    match rng.below(4) {
        0 => rng.next() as u32,
        1 => rng.below(n as usize + 2) as u32,
        _ => list[rng.below(list.len())],
    }
}

fn mutate_once(b: &mut Vec<u8>, l: &Layout, rng: &mut Rng) -> String {
    let nrec = l.records.len();
    let rec = |rng: &mut Rng| l.records[rng.below(nrec)];
    let woff = |w: usize| l.type_start + 4 * w;
    match rng.below(13) {
        0 => {
            let w = rng.below(l.type_len / 4);
            let v = interesting(rng, l);
            wr(b, woff(w), v);
            format!("type word {w} = {v:#x}")
        }
        1 => {
            let (w, _) = rec(rng);
            let info = rd(b, woff(w + 1));
            let (what, v) = match rng.below(5) {
                0 => (
                    "kind",
                    (info & !(0x1f << 24)) | ((rng.below(32) as u32) << 24),
                ),
                1 => {
                    let vlen = info & 0xffff;
                    let nv = [
                        0,
                        1,
                        2,
                        vlen.wrapping_sub(1) & 0xffff,
                        vlen + 1,
                        0xffff,
                        rng.below(8) as u32,
                    ][rng.below(7)];
                    ("vlen", (info & !0xffff) | (nv & 0xffff))
                }
                2 => ("kflag", info ^ 0x8000_0000),
                3 => ("unused bits", info | ((1 + rng.below(255) as u32) << 16)),
                _ => ("bit 29-30", info | ((1 + rng.below(3) as u32) << 29)),
            };
            wr(b, woff(w + 1), v);
            format!("record@{w} info {what} = {v:#x}")
        }
        2 => {
            let (w, _) = rec(rng);
            let v = interesting(rng, l);
            wr(b, woff(w + 2), v);
            format!("record@{w} size/type = {v:#x}")
        }
        3 => {
            let (w, n) = rec(rng);
            if n <= 3 {
                return "noop".into();
            }
            let i = 3 + rng.below(n - 3);
            let v = interesting(rng, l);
            wr(b, woff(w + i), v);
            format!("record@{w} tail word {i} = {v:#x}")
        }
        4 => {
            let (w, n) = rec(rng);
            let i = if n > 3 && rng.below(2) == 0 {
                3 + 3 * rng.below((n - 3) / 3 + 1)
            } else {
                0
            };
            let v = match rng.below(3) {
                0 => rng.below(l.str_len + 2) as u32,
                _ => interesting(rng, l),
            };
            wr(b, woff(w + i.min(n - 1)), v);
            format!("record@{w} word {i} (name) = {v:#x}")
        }
        5 => {
            let i = l.str_start + rng.below(l.str_len);
            let choices = [
                0u8,
                b'.',
                b' ',
                0x80,
                0xc0,
                0xa0,
                0xd7,
                0xf7,
                b'a',
                b'1',
                b'\n',
                b'-',
                b'_',
                rng.next() as u8,
            ];
            let v = choices[rng.below(choices.len())];
            b[i] = v;
            format!("string byte {} = {v:#x}", i - l.str_start)
        }
        6 => {
            if rng.below(2) == 0 {
                let i = l.str_start + l.str_len - 1;
                b[i] = b'x';
                "string terminator removed".into()
            } else {
                b[l.str_start] = b'a';
                "first string not empty".into()
            }
        }
        7 => {
            let i = rng.below(6);
            let v = if i == 0 {
                let mut w = rd(b, 0);
                match rng.below(3) {
                    0 => w ^= 1 << rng.below(16),
                    1 => w = (w & 0xff00_ffff) | ((rng.below(4) as u32) << 16),
                    _ => w = (w & 0x00ff_ffff) | ((1 + rng.below(255) as u32) << 24),
                }
                w
            } else {
                let old = rd(b, 4 * i);
                match rng.below(3) {
                    0 => old.wrapping_add(rng.below(9) as u32).wrapping_sub(4),
                    1 => interesting(rng, l),
                    _ => old.wrapping_add(4 * rng.below(5) as u32).wrapping_sub(8),
                }
            };
            wr(b, 4 * i, v);
            format!("header word {i} = {v:#x}")
        }
        8 => {
            let n = rng.below(b.len());
            b.truncate(n);
            format!("truncated to {n}")
        }
        9 => {
            // Cut the type section's tail and keep the header consistent.
            let cut = 4 * (1 + rng.below(6)).min(l.type_len / 4);
            let at = l.type_start + l.type_len - cut;
            b.drain(at..at + cut);
            wr(b, 12, (l.type_len - cut) as u32);
            let so = rd(b, 16).wrapping_sub(cut as u32);
            wr(b, 16, so);
            format!("type section cut by {cut}")
        }
        10 => {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
            format!("bit flip at {i}")
        }
        11 => {
            // Make two records refer to each other.
            let (a, _) = rec(rng);
            let (c, _) = rec(rng);
            let ida = 1 + l.records.iter().position(|r| r.0 == a).unwrap() as u32;
            let idc = 1 + l.records.iter().position(|r| r.0 == c).unwrap() as u32;
            wr(b, woff(a + 2), idc);
            wr(b, woff(c + 2), ida);
            format!("records {ida} and {idc} refer to each other")
        }
        _ => {
            // A longer header: zeroes (accepted by the kernel as unknown fields) or not.
            let extra = 4 * (1 + rng.below(3));
            let fill = if rng.below(2) == 0 { 0 } else { 1 };
            let mut nb = b[..24].to_vec();
            nb.extend(std::iter::repeat_n(fill, extra));
            nb.extend_from_slice(&b[24..]);
            wr(&mut nb, 4, 24 + extra as u32);
            *b = nb;
            format!("hdr_len 24+{extra} filled with {fill}")
        }
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let l = layout(seed);
    let mut b = seed.to_vec();
    let n = 1 + [0, 0, 0, 1, 2][rng.below(5)];
    let mut desc = Vec::new();
    for _ in 0..n {
        if b.len() != seed.len() {
            break; // later steps assume the seed's layout
        }
        desc.push(mutate_once(&mut b, &l, rng));
    }
    (b, desc.join("; "))
}

/// The reason part of a log line: what follows the type's details, numbers blanked.
fn reason_of(line: &str) -> String {
    const REASONS: [&str; 52] = [
        "meta_left",
        "Invalid btf_info",
        "Invalid kind",
        "Invalid name_offset",
        "vlen != 0",
        "Invalid btf_info kind_flag",
        "Invalid int_data",
        "nr_bits exceeds type_size",
        "nr_bits exceeds",
        "Unsupported encoding",
        "Invalid type_id",
        "Invalid name",
        "type != 0",
        "size != 0",
        "Invalid elem",
        "Invalid index",
        "Invalid member name_offset",
        "Invalid member bits_offset",
        "Member bits_offset exceeds its struct size",
        "Unexpected size",
        "Invalid func linkage",
        "Linkage not supported",
        "size == 0",
        "Invalid offset+size",
        "Invalid offset",
        "Invalid size",
        "Invalid btf_info size",
        "Invalid type_size",
        "Invalid value",
        "Invalid component_idx",
        "Invalid member bitfield_size",
        "Invalid member base type",
        "Invalid member offset",
        "nr_copy_bits exceeds 128",
        "Member exceeds struct_size",
        "Member is not byte aligned",
        "Member is not properly aligned",
        "Invalid member",
        "Invalid array of int",
        "Array size overflows U32_MAX",
        "Not a VAR kind member",
        "Invalid type",
        "Invalid return type",
        "Invalid arg#",
        "Loop detected",
        "Exceeded max resolving depth",
        "Invalid resolve state",
        "Type tags don't precede modifiers",
        "Max chain length or cycle detected",
        "String section",
        "Invalid string section",
        "Invalid magic",
    ];
    let head = line.trim_start();
    REASONS
        .iter()
        .filter(|r| head.contains(*r))
        .max_by_key(|r| r.len())
        .map_or_else(
            || head.chars().filter(|c| !c.is_ascii_digit()).collect(),
            |r| r.to_string(),
        )
}

const MUTATIONS: usize = 110_000;
const RNG_SEEDS: [u64; 3] = [1, 0x5eed, 0xdead_beef];

#[test]
fn mutations_agree_with_kernel() {
    if !oracle_or_skip("mutations_agree_with_kernel") {
        return;
    }
    let seeds = seeds();
    let t0 = Instant::now();
    // Every seed must itself be judged like the kernel does.
    for (name, bytes) in &seeds {
        let ours = validate::validate_bytes(bytes);
        let k = kernel::verdict(bytes);
        println!(
            "seed {name}: {} bytes, ours {}, kernel accepted={}",
            bytes.len(),
            show(&ours),
            k.accepted
        );
        assert_eq!(
            compare(&ours, &k),
            (true, true),
            "seed {name}: {} vs {:?}",
            show(&ours),
            k
        );
    }
    let per = MUTATIONS.div_ceil(seeds.len() * RNG_SEEDS.len());
    let jobs: Vec<(usize, u64, usize)> = (0..seeds.len())
        .flat_map(|s| {
            RNG_SEEDS
                .iter()
                .flat_map(move |&r| (0..per).map(move |k| (s, r, k)))
        })
        .collect();
    let results: Vec<(usize, bool, bool, bool, String, String)> = jobs
        .par_iter()
        .map(|&(s, r, k)| {
            let mut rng = Rng::new(s as u64, r, k as u64);
            let (bytes, desc) = mutate(&seeds[s].1, &mut rng);
            let ours = validate::validate_bytes(&bytes);
            let kv = kernel::verdict(&bytes);
            let (v, m) = compare(&ours, &kv);
            let line = if v && m {
                String::new()
            } else {
                format!(
                    "{} rng {r:#x} #{k} [{desc}]\n    ours:   {}\n    kernel: {}",
                    seeds[s].0,
                    show(&ours),
                    if kv.accepted {
                        "accepted".into()
                    } else {
                        format!("errno {} {:?}", kv.errno, kv.last_line)
                    }
                )
            };
            let reason = reason_of(&kv.last_line);
            (s, kv.accepted, v, m, line, reason)
        })
        .collect();
    let total = results.len();
    let accepted = results.iter().filter(|r| r.1).count();
    let verdict_ok = results.iter().filter(|r| r.2).count();
    let rejected = total - accepted;
    let msg_ok = results.iter().filter(|r| !r.1 && r.3).count();
    let mut per_seed: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for r in &results {
        let e = per_seed.entry(r.0).or_default();
        e.0 += 1;
        e.1 += usize::from(r.1);
    }
    for (s, (n, acc)) in per_seed {
        println!(
            "  {}: {n} mutations, {acc} accepted by the kernel",
            seeds[s].0
        );
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for r in results.iter().filter(|r| !r.1) {
        *reasons.entry(r.5.as_str()).or_default() += 1;
    }
    let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
    println!("kernel rejections by reason ({} distinct):", reasons.len());
    for (r, n) in &reasons {
        println!("  {n:>6}  {r}");
    }
    let bad_verdicts: Vec<&String> = results.iter().filter(|r| !r.2).map(|r| &r.4).collect();
    let bad_msgs: Vec<&String> = results
        .iter()
        .filter(|r| r.2 && !r.3)
        .map(|r| &r.4)
        .collect();
    println!(
        "{total} mutations of {} inputs ({} rng seeds) in {:.1?}: kernel accepted {accepted}, rejected {rejected}",
        seeds.len(),
        RNG_SEEDS.len(),
        t0.elapsed()
    );
    println!(
        "verdicts equal: {verdict_ok}/{total} ({:.3} %); errno and last log line equal: {msg_ok}/{rejected} ({:.3} %)",
        100.0 * verdict_ok as f64 / total as f64,
        100.0 * msg_ok as f64 / rejected.max(1) as f64
    );
    for l in bad_verdicts.iter().take(40) {
        println!("VERDICT DIFFERS: {l}");
    }
    for l in bad_msgs.iter().take(100) {
        println!("MESSAGE DIFFERS: {l}");
    }
    assert!(total >= 100_000);
    assert!(
        bad_verdicts.is_empty(),
        "{} verdicts differ",
        bad_verdicts.len()
    );
    assert!(
        msg_ok * 100 >= rejected * 99,
        "messages agree on only {msg_ok}/{rejected}"
    );
}

/// Cases random mutation rarely reaches: the resolve stack's depth limit, struct and pointer
/// loops, arrays of bitfield ints, FUNC with an unnamed argument, DATASEC of a non-VAR.
#[test]
fn targeted_cases_agree_with_kernel() {
    if !oracle_or_skip("targeted_cases_agree_with_kernel") {
        return;
    }
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let deep = |n: usize| {
        let mut b = Btf::new_empty();
        let mut top = b.add_int("int", 4, 1).unwrap();
        for _ in 0..n {
            top = b.add_const(top).unwrap();
        }
        b.add_struct("s", 4).unwrap();
        b.add_field("x", top, 0, 0).unwrap();
        raw(&b)
    };
    cases.push(("const chain 31", deep(31)));
    cases.push(("const chain 40", deep(40)));
    // Chains that refer forward are resolved in one walk: the 32-entry stack overflows.
    let forward = |n: u32| {
        let mut b = Btf::new_empty();
        for i in 1..=n {
            b.add_const(i + 1).unwrap();
        }
        b.add_int("int", 4, 1).unwrap();
        raw(&b)
    };
    cases.push(("forward const chain 31", forward(31)));
    cases.push(("forward const chain 33", forward(33)));
    let mut b = Btf::new_empty();
    let a = b.add_struct("A", 4).unwrap();
    b.add_field("b", a + 1, 0, 0).unwrap();
    b.add_struct("B", 4).unwrap();
    b.add_field("a", a, 0, 0).unwrap();
    cases.push(("struct loop", raw(&b)));
    let mut b = Btf::new_empty();
    let p = b.add_ptr(2).unwrap();
    b.add_const(p).unwrap();
    cases.push(("pointer loop", raw(&b)));
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let td = b.add_typedef("t", int).unwrap();
    b.add_typedef("u", td + 1).unwrap();
    cases.push(("typedef self loop", raw(&b)));
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let proto = b.add_func_proto(int).unwrap();
    b.add_func_param("", int).unwrap();
    b.add_func("f", FUNC_GLOBAL, proto).unwrap();
    cases.push(("func unnamed arg", raw(&b)));
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    b.add_datasec(".data", 4).unwrap();
    b.add_datasec_var_info(int, 0, 4).unwrap();
    cases.push(("datasec of int", raw(&b)));
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let v = b.add_var("v", VAR_STATIC, int).unwrap();
    b.add_datasec(".data", 2).unwrap();
    b.add_datasec_var_info(v, 0, 2).unwrap();
    cases.push(("datasec entry smaller than var", raw(&b)));
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let td = b.add_typedef("t", int).unwrap();
    b.add_decl_tag("x", td, 0).unwrap();
    cases.push(("decl tag index on typedef", raw(&b)));
    let mut failures = Vec::new();
    for (name, bytes) in &cases {
        let ours = validate::validate_bytes(bytes);
        let k = kernel::verdict(bytes);
        println!(
            "{name}: ours {}; kernel accepted={} errno {} {:?}",
            show(&ours),
            k.accepted,
            k.errno,
            k.last_line
        );
        if compare(&ours, &k) != (true, true) {
            failures.push(*name);
        }
    }
    assert!(failures.is_empty(), "differ: {failures:?}");
}
