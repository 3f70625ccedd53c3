//! Wrong-base detection (`btf_core::check`) on the corpus, with the ground truth computed here.
//!
//! * Raw split BTF: every module of 6.1.0-47 and 6.1.0-54 (`modules-all`) over its own vmlinux
//!   (8,045 right pairs: none may be flagged) and over every other corpus vmlinux (cross pairs).
//!   For each cross pair the test asks libbpf 1.7.0 whether it accepts the module over that base
//!   (`btf__new_split`) and computes whether the module's base references name different types
//!   there (a referenced base id past the other base's end, or of another kind, name, size, or
//!   for composites other members). Every accepted cross pair whose references differ must be
//!   inconsistent (≥ 99 %, the rest undecidable), and no cross pair may pass as consistent.
//! * ELF modules (`ko/`): over their own vmlinux with its release known (consistent, by
//!   vermagic), without it (undecidable), zstd-compressed, and over the other bases (inconsistent).
//! * Distilled modules (`.BTF.base`): every module distilled over its own vmlinux with btf-core,
//!   checked over every base: consistent exactly when it relocates, held to libbpf's
//!   `btf__relocate` on a sample; the `ko/` modules distilled with `elf_write::distill_elf`.
//!
//! Figures (how many cross pairs libbpf accepts, how many each signal catches, what stays
//! undecidable and why) are printed; run with `--nocapture` to see them.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use btf_core::check::{
    BaseChecker, BaseInfo, CheckReport, KernelRules, ModuleParts, Rule, Verdict,
};
use btf_core::fields::{FieldKind, field_positions};
use btf_core::{Btf, Kind};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};
use rayon::prelude::*;

struct Base {
    ver: String,
    btf: Arc<Btf>,
    lib: Arc<LibbpfBtf>,
    checker: BaseChecker,
}

fn load_bases() -> Vec<Base> {
    corpus::vmlinux_files()
        .into_iter()
        .map(|p| {
            let ver = corpus::version_of(&p).expect("version");
            let bytes = std::fs::read(&p).expect("read vmlinux");
            let btf = Arc::new(Btf::from_bytes(&bytes).expect("btf-core parses vmlinux"));
            let lib = Arc::new(LibbpfBtf::from_bytes(&bytes).expect("libbpf parses vmlinux"));
            let checker = BaseChecker::new(Arc::clone(&btf));
            Base {
                ver,
                btf,
                lib,
                checker,
            }
        })
        .collect()
}

fn shallow(b: &Btf, id: u32) -> String {
    match b.type_by_id(id) {
        Some(t) if id != 0 => format!(
            "{}:{}",
            t.kind_raw(),
            String::from_utf8_lossy(b.name_of(&t))
        ),
        Some(_) => "void".into(),
        None => format!("missing {id}"),
    }
}

/// What type `id` of `b` is: kind, name, size or target, and for composites, enums and
/// prototypes their members (member types by kind and name, as ids differ between builds).
fn sig(b: &Btf, id: u32) -> String {
    let Some(t) = b.type_by_id(id) else {
        return format!("missing {id}");
    };
    let mut s = shallow(b, id);
    let name = |off: u32| String::from_utf8_lossy(b.str_bytes(off).unwrap_or(b"")).into_owned();
    match t.kind() {
        Some(Kind::Int) => s += &format!("/{}/{:#x}", t.size(), t.int_data()),
        Some(Kind::Float) => s += &format!("/{}", t.size()),
        Some(Kind::Struct | Kind::Union) => {
            s += &format!("/{}{{", t.size());
            for m in t.members() {
                s += &format!(
                    "{}@{}:{};",
                    name(m.name_off),
                    m.offset,
                    shallow(b, m.type_id)
                );
            }
            s += "}";
        }
        Some(Kind::Enum) => {
            s += &format!("/{}/{}{{", t.size(), t.kflag());
            for e in t.enum_values() {
                s += &format!("{}={};", name(e.name_off), e.val);
            }
            s += "}";
        }
        Some(Kind::Enum64) => {
            s += &format!("/{}/{}{{", t.size(), t.kflag());
            for e in t.enum64_values() {
                s += &format!("{}={};", name(e.name_off), e.val);
            }
            s += "}";
        }
        Some(Kind::Array) => {
            let a = t.array();
            s += &format!("[{}]{}", a.nelems, shallow(b, a.elem_type));
        }
        Some(Kind::FuncProto) => {
            s += &format!("({}", shallow(b, t.type_id()));
            for p in t.params() {
                s += &format!(",{}", shallow(b, p.type_id));
            }
            s += ")";
        }
        Some(Kind::Fwd) => s += &format!("/{}", t.kflag()),
        Some(Kind::Datasec) => s += &format!("/{}/{}", t.size(), t.vlen()),
        Some(Kind::DeclTag) => {
            s += &format!(
                "/{}->{}",
                t.decl_tag_component_idx(),
                shallow(b, t.type_id())
            )
        }
        _ => s += &format!("->{}", shallow(b, t.type_id())),
    }
    s
}

/// The ground truth of one module over another base.
#[derive(Clone, Copy, Debug, Default)]
struct Truth {
    /// Some base id the module references names a different type in the other base.
    refs_differ: bool,
    /// The module's own ids or strings are numbered differently over the other base (its type
    /// count or string section size differs and the module uses its own ids / strings).
    layout_differs: bool,
}

/// The module (split over its own base) and what it references there.
struct Module {
    name: String,
    bytes: Vec<u8>,
    base_refs: Vec<u32>,
    internal_refs: bool,
    own_strings: bool,
}

fn describe_module(name: String, bytes: Vec<u8>, own: &Arc<Btf>) -> Module {
    let m = Btf::from_bytes_split(&bytes, Arc::clone(own)).expect("module parses over own base");
    let mut refs = HashSet::new();
    let mut internal = false;
    let mut own_strings = false;
    for t in m.types() {
        let words = t.words();
        if let Some(pos) = field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds) {
            for p in pos {
                let r = words[p];
                if r >= m.start_id() {
                    internal = true;
                } else if r != 0 {
                    refs.insert(r);
                }
            }
        }
        if let Some(pos) = field_positions(t.kind_raw(), t.vlen(), FieldKind::Strings) {
            own_strings |= pos.into_iter().any(|p| words[p] >= m.start_str_off());
        }
    }
    let mut base_refs: Vec<u32> = refs.into_iter().collect();
    base_refs.sort_unstable();
    Module {
        name,
        bytes,
        base_refs,
        internal_refs: internal,
        own_strings,
    }
}

fn truth(m: &Module, own: &Btf, other: &Btf) -> Truth {
    Truth {
        refs_differ: m.base_refs.iter().any(|&r| sig(own, r) != sig(other, r)),
        layout_differs: (m.internal_refs && own.type_cnt() != other.type_cnt())
            || (m.own_strings && own.str_end() != other.str_end()),
    }
}

/// Which signal decided an inconsistent report.
fn caught_by(r: &CheckReport) -> &'static str {
    if matches!(r.kernel, KernelRules::Rejected { .. }) {
        "kernel rules"
    } else {
        "extra signals"
    }
}

#[derive(Default)]
struct Tally {
    pairs: usize,
    verdicts: BTreeMap<Verdict, usize>,
    caught: BTreeMap<&'static str, usize>,
    rules: BTreeMap<&'static str, usize>,
    first_rule: BTreeMap<&'static str, usize>,
    undecidable: BTreeMap<String, usize>,
    kernel_run: usize,
    /// Inconsistent pairs some signal other than the kernel's rules flags too.
    extra_any: usize,
}

impl Tally {
    fn add(&mut self, r: &CheckReport) {
        self.pairs += 1;
        *self.verdicts.entry(r.verdict).or_default() += 1;
        if !matches!(r.kernel, KernelRules::NotRun) {
            self.kernel_run += 1;
        }
        if r.verdict == Verdict::Inconsistent {
            *self.caught.entry(caught_by(r)).or_default() += 1;
            for (rule, _) in &r.rule_counts {
                *self.rules.entry(rule.as_str()).or_default() += 1;
            }
            if r.rule_counts
                .iter()
                .any(|(rule, _)| *rule != Rule::KernelRules)
            {
                self.extra_any += 1;
            }
            if let Some(f) = r.findings.first() {
                *self.first_rule.entry(f.rule.as_str()).or_default() += 1;
            }
        }
        if let Some(u) = &r.undecidable {
            *self.undecidable.entry(u.cause()).or_default() += 1;
        }
    }

    fn get(&self, v: Verdict) -> usize {
        self.verdicts.get(&v).copied().unwrap_or(0)
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {} pairs: {} inconsistent, {} undecidable, {} consistent",
            self.pairs,
            self.get(Verdict::Inconsistent),
            self.get(Verdict::Undecidable),
            self.get(Verdict::Consistent)
        );
        if self.get(Verdict::Inconsistent) > 0 {
            if self.kernel_run == 0 {
                println!("  kernel rules: not run (btf_core::validate did not apply)");
            }
            println!(
                "  kernel rules alone catch {}; the extra signals catch the other {} (and flag {} \
                 of all {} on their own)",
                self.caught.get("kernel rules").copied().unwrap_or(0),
                self.caught.get("extra signals").copied().unwrap_or(0),
                self.extra_any,
                self.get(Verdict::Inconsistent)
            );
            println!("  rules firing (pairs): {:?}", self.rules);
            println!("  first finding's rule (pairs): {:?}", self.first_rule);
        }
        for (cause, n) in &self.undecidable {
            println!("  undecidable ({n}): {cause}");
        }
    }
}

#[test]
fn raw_split_modules_over_every_base() {
    let _dir = btf_difftest::require_corpus!("wrong_base::raw_split_modules_over_every_base");
    libbpf::quiet();
    let t0 = Instant::now();
    let bases = load_bases();
    let mut right = Tally::default();
    let mut accepted = Tally::default();
    let mut accepted_same = Tally::default();
    let mut rejected = Tally::default();
    let mut check_time = std::time::Duration::ZERO;
    let mut checks = 0usize;
    for ver in ["6.1.0-47", "6.1.0-54"] {
        let Some(own) = bases.iter().find(|b| b.ver == ver) else {
            eprintln!("SKIP {ver}: no vmlinux");
            continue;
        };
        let modules: Vec<Module> = corpus::modules_all(ver)
            .expect("modules-all")
            .into_par_iter()
            .map(|(name, bytes)| describe_module(name, bytes, &own.btf))
            .collect();
        assert!(modules.len() > 4000, "{ver}: {} modules", modules.len());

        // Right pairs, timed: one shared checker, all modules.
        let t = Instant::now();
        let reports: Vec<CheckReport> = modules
            .par_iter()
            .map(|m| {
                own.checker
                    .check(&m.bytes)
                    .unwrap_or_else(|e| panic!("{ver}/{}: {e}", m.name))
            })
            .collect();
        check_time += t.elapsed();
        checks += reports.len();
        for (m, r) in modules.iter().zip(&reports) {
            assert_ne!(
                r.verdict,
                Verdict::Inconsistent,
                "false alarm: {ver}/{} over its own base: {}",
                m.name,
                r.summary()
            );
            right.add(r);
        }

        for other in bases.iter().filter(|b| b.ver != ver) {
            let t = Instant::now();
            let outcomes: Vec<(bool, Truth, CheckReport)> = modules
                .par_iter()
                .map(|m| {
                    let libbpf_ok = LibbpfBtf::from_bytes_split(&m.bytes, &other.lib).is_ok();
                    let truth = truth(m, &own.btf, &other.btf);
                    let report = other
                        .checker
                        .check(&m.bytes)
                        .unwrap_or_else(|e| panic!("{ver}/{} over {}: {e}", m.name, other.ver));
                    (libbpf_ok, truth, report)
                })
                .collect();
            check_time += t.elapsed();
            checks += outcomes.len();
            for (m, (libbpf_ok, truth, r)) in modules.iter().zip(&outcomes) {
                let label = format!("{ver}/{} over {}", m.name, other.ver);
                assert_ne!(r.verdict, Verdict::Consistent, "{label}: {}", r.summary());
                if !libbpf_ok {
                    rejected.add(r);
                } else if truth.refs_differ {
                    accepted.add(r);
                } else {
                    accepted_same.add(r);
                    if !truth.layout_differs {
                        assert_ne!(
                            r.verdict,
                            Verdict::Inconsistent,
                            "{label}: flagged although it reads the same: {}",
                            r.summary()
                        );
                    }
                }
                if *libbpf_ok && r.verdict == Verdict::Inconsistent && accepted.pairs <= 3 {
                    println!("example {label}: {}", r.summary());
                    for f in r.findings.iter().take(3) {
                        println!("    [{}] {}", f.rule, f.message);
                    }
                }
            }
        }
    }
    println!(
        "checked {checks} module/base pairs in {:.2} s of wall time on {} threads ({:.0} pairs/s)",
        check_time.as_secs_f64(),
        rayon::current_num_threads(),
        checks as f64 / check_time.as_secs_f64()
    );
    right.print("right pairs (own base)");
    println!(
        "cross pairs libbpf 1.7 accepts (btf__new_split): {}",
        accepted.pairs + accepted_same.pairs
    );
    accepted.print("  accepted, base references differ");
    accepted_same.print("  accepted, base references read the same");
    rejected.print("cross pairs libbpf rejects");
    println!("total {:.1} s", t0.elapsed().as_secs_f64());

    assert_eq!(right.pairs, 8045, "right pairs");
    assert!(
        accepted.pairs > 0,
        "some cross pairs are accepted by libbpf"
    );
    let flagged = accepted.get(Verdict::Inconsistent);
    assert!(
        flagged * 100 >= accepted.pairs * 99,
        "only {flagged} of {} accepted wrong pairs flagged",
        accepted.pairs
    );
    assert_eq!(
        flagged + accepted.get(Verdict::Undecidable),
        accepted.pairs,
        "the rest undecidable"
    );
    assert_eq!(
        rejected.get(Verdict::Inconsistent),
        rejected.pairs,
        "pairs libbpf refuses are inconsistent too"
    );
}

/// The release a corpus vmlinux version was shipped as, from the vermagic of its `ko/` modules.
fn releases(checker_of: &[Base]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (ver, path) in corpus::ko_files() {
        let bytes = std::fs::read(&path).expect("read ko");
        let Some(b) = checker_of.iter().find(|b| b.ver == ver) else {
            continue;
        };
        let r = b.checker.check(&bytes).expect("check ko");
        if let Some(rel) = r.modinfo.as_ref().and_then(|m| m.release()) {
            out.insert(ver, rel.to_owned());
        }
    }
    out
}

#[test]
fn elf_modules_with_modinfo() {
    let _dir = btf_difftest::require_corpus!("wrong_base::elf_modules_with_modinfo");
    let bases = load_bases();
    let rel = releases(&bases);
    let informed: Vec<BaseChecker> = bases
        .iter()
        .map(|b| {
            BaseChecker::with_info(
                Arc::clone(&b.btf),
                BaseInfo {
                    release: rel.get(&b.ver).cloned(),
                    symbol_crcs: None,
                },
            )
        })
        .collect();
    let mut n = 0;
    for (ver, path) in corpus::ko_files() {
        let bytes = std::fs::read(&path).expect("read ko");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let zst = zstd::encode_all(&bytes[..], 3).expect("zstd");
        for (b, ck) in bases.iter().zip(&informed) {
            let label = format!("{ver}/{name} over {}", b.ver);
            let blind = b.checker.check(&bytes).expect("check");
            let known = ck.check(&bytes).expect("check");
            assert!(
                known
                    .modinfo
                    .as_ref()
                    .and_then(|m| m.vermagic.as_ref())
                    .is_some()
            );
            assert!(
                known.notes.iter().any(|n| n.contains("__versions")),
                "{label}: says the CRCs were not compared: {:?}",
                known.notes
            );
            if b.ver == ver {
                assert_eq!(
                    known.verdict,
                    Verdict::Consistent,
                    "{label}: {}",
                    known.summary()
                );
                assert_eq!(
                    blind.verdict,
                    Verdict::Undecidable,
                    "{label}: {}",
                    blind.summary()
                );
                let z = ck.check(&zst).expect("check .ko.zst");
                assert_eq!(z.verdict, Verdict::Consistent, "{label} (.zst)");
            } else {
                assert_eq!(known.verdict, Verdict::Inconsistent, "{label}");
                assert_eq!(
                    blind.verdict,
                    Verdict::Inconsistent,
                    "{label} (release unknown): {}",
                    blind.summary()
                );
            }
            println!("{label}: {}", blind.summary());
            n += 1;
        }
    }
    println!("{n} ELF module/base pairs");
}

#[test]
fn distilled_modules_decided_by_relocation() {
    let _dir = btf_difftest::require_corpus!("wrong_base::distilled_modules_decided_by_relocation");
    libbpf::quiet();
    let bases = load_bases();
    for ver in ["6.1.0-47", "6.1.0-54"] {
        let Some(own) = bases.iter().find(|b| b.ver == ver) else {
            continue;
        };
        let t = Instant::now();
        let distilled: Vec<(String, Vec<u8>, Vec<u8>)> = corpus::modules_all(ver)
            .expect("modules-all")
            .into_par_iter()
            .map(|(name, bytes)| {
                let m = Btf::from_bytes_split(&bytes, Arc::clone(&own.btf)).expect("parse");
                let (base, split) = m.distill_base().expect("distill");
                (
                    name,
                    base.raw_data().into_owned(),
                    split.raw_data().into_owned(),
                )
            })
            .collect();
        println!(
            "{ver}: distilled {} modules in {:.2} s",
            distilled.len(),
            t.elapsed().as_secs_f64()
        );
        for b in &bases {
            let t = Instant::now();
            let outcomes: Vec<(Verdict, Option<bool>)> = distilled
                .par_iter()
                .enumerate()
                .map(|(i, (name, base_raw, split_raw))| {
                    let r = b
                        .checker
                        .check_parts(&ModuleParts {
                            btf: split_raw,
                            distilled_base: Some(base_raw),
                            ..ModuleParts::default()
                        })
                        .unwrap_or_else(|e| panic!("{ver}/{name} over {}: {e}", b.ver));
                    assert!(r.distilled);
                    // libbpf's btf__relocate as the oracle, on every 16th module.
                    let libbpf_ok = (i % 16 == 0).then(|| {
                        let lb = Arc::new(LibbpfBtf::from_bytes(base_raw).expect("libbpf base"));
                        let ls = LibbpfBtf::from_bytes_split(split_raw, &lb).expect("libbpf split");
                        ls.relocate(&b.lib).is_ok()
                    });
                    if let Some(ok) = libbpf_ok {
                        assert_eq!(
                            r.verdict == Verdict::Consistent,
                            ok,
                            "{ver}/{name} over {}: libbpf relocates: {ok}; {}",
                            b.ver,
                            r.summary()
                        );
                    }
                    (r.verdict, libbpf_ok)
                })
                .collect();
            let mut tally: BTreeMap<Verdict, usize> = BTreeMap::new();
            for (v, _) in &outcomes {
                *tally.entry(*v).or_default() += 1;
            }
            let sampled = outcomes.iter().filter(|(_, l)| l.is_some()).count();
            println!(
                "{ver} distilled over {}: {tally:?} ({sampled} held to libbpf btf__relocate) in {:.2} s",
                b.ver,
                t.elapsed().as_secs_f64()
            );
            let consistent = tally.get(&Verdict::Consistent).copied().unwrap_or(0);
            if b.ver == ver {
                assert_eq!(
                    consistent,
                    distilled.len(),
                    "every module relocates onto its own base"
                );
            }
            match (ver, b.ver.as_str()) {
                ("6.1.0-47", "6.1.0-54") => assert_eq!(consistent, 2226),
                ("6.1.0-54", "6.1.0-47") => assert_eq!(consistent, 2227),
                _ => {}
            }
        }
    }

    // ELF: the ko/ modules distilled in place (`btf distill --in-place`).
    for (ver, path) in corpus::ko_files() {
        let Some(own) = bases.iter().find(|b| b.ver == ver) else {
            continue;
        };
        let bytes = std::fs::read(&path).expect("read ko");
        let elf = btf_core::elf_write::distill_elf(&bytes, Arc::clone(&own.btf)).expect("distill");
        for b in &bases {
            let r = b.checker.check(&elf).expect("check distilled ko");
            let relocates = Btf::parse_elf_bytes(&elf, Some(Arc::clone(&b.btf))).is_ok();
            assert!(r.distilled);
            assert_eq!(
                r.verdict == Verdict::Consistent,
                relocates,
                "{} over {}: {}",
                path.display(),
                b.ver,
                r.summary()
            );
            if b.ver == ver {
                assert_eq!(r.verdict, Verdict::Consistent);
            } else {
                assert_ne!(r.verdict, Verdict::Undecidable);
            }
            println!(
                "{ver}/{} distilled over {}: {}",
                path.display(),
                b.ver,
                r.summary()
            );
        }
    }
}
