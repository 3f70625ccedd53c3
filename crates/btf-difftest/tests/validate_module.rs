//! `btf_core::validate::validate_module_bytes` (the kernel's module-load path, `btf_parse_module`):
//! every corpus module is accepted over its own vmlinux, and hand-made violations are refused with
//! the kernel's message, or accepted where the module path (unlike `BPF_BTF_LOAD`) does not look.
//!
//! The module path cannot be checked against the kernel here (`BPF_BTF_LOAD` takes no base), so
//! the expectations below are read from `kernel/bpf/btf.c` (6.18): header, string section, every
//! type's meta check and the type-tag walk; no resolution pass.

use std::sync::Arc;

use btf_core::Btf;
use btf_core::validate::{self, EINVAL};
use btf_difftest::corpus;
use rayon::prelude::*;

fn base(ver: &str) -> Option<Arc<Btf>> {
    let p = corpus::vmlinux_file(ver)?;
    Some(Arc::new(Btf::parse_file(&p, None).ok()?))
}

#[test]
fn corpus_modules_accepted_over_their_vmlinux() {
    let Some(_) = corpus::skip_without_corpus("corpus_modules_accepted_over_their_vmlinux") else {
        return;
    };
    let mut total = 0;
    for ver in ["6.1.0-47", "6.1.0-54", "6.12.115"] {
        let Some(b) = base(ver) else { continue };
        let mut mods: Vec<(String, Vec<u8>)> = corpus::selected_modules(ver)
            .into_iter()
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        if let Ok(all) = corpus::modules_all(ver) {
            mods.extend(all);
        }
        let bad: Vec<String> = mods
            .par_iter()
            .filter_map(|(name, bytes)| {
                validate::validate_module_bytes(bytes, &b)
                    .err()
                    .map(|r| format!("{ver} {name}: {r}"))
            })
            .collect();
        println!(
            "{ver}: {} modules checked over vmlinux {ver}, {} rejected",
            mods.len(),
            bad.len()
        );
        for l in &bad {
            println!("  {l}");
        }
        assert!(bad.is_empty());
        total += mods.len();
    }
    println!("{total} module BTFs accepted over their own vmlinux");

    // For scale: the same modules over another build's vmlinux (what the kernel would say).
    if let (Some(other), Ok(mods)) = (base("6.1.0-54"), corpus::modules_all("6.1.0-47")) {
        let rejected: Vec<String> = mods
            .par_iter()
            .filter_map(|(_, bytes)| validate::validate_module_bytes(bytes, &other).err())
            .map(|r| {
                r.message
                    .split_whitespace()
                    .last()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        let mut reasons = std::collections::BTreeMap::<String, usize>::new();
        for r in &rejected {
            *reasons.entry(r.clone()).or_default() += 1;
        }
        println!(
            "6.1.0-47 modules over vmlinux 6.1.0-54: {} of {} refused by the kernel's rules (last words: {reasons:?})",
            rejected.len(),
            mods.len()
        );
    }
}

/// Split BTF over `base` built by `f`.
fn split(base: &Arc<Btf>, f: impl FnOnce(&mut Btf)) -> Vec<u8> {
    let mut b = Btf::new_empty_split(base.clone());
    f(&mut b);
    b.raw_data().into_owned()
}

fn small_base() -> Arc<Btf> {
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    b.add_struct("base_s", 4).unwrap();
    b.add_field("x", int, 0, 0).unwrap();
    Arc::new(b)
}

#[test]
fn module_path_violations() {
    let base = small_base(); // ids 1 (int), 2 (struct base_s); 3 is the first split id
    let first = base.type_cnt();
    assert_eq!(first, 3);

    // Valid: own types referring to base ids, a name taken from the base's strings.
    let ok = split(&base, |b| {
        let s = b.add_struct("m", 8).unwrap();
        b.add_field("a", 1, 0, 0).unwrap();
        b.add_field("bs", 2, 32, 0).unwrap();
        b.add_ptr(s).unwrap();
    });
    assert_eq!(validate::validate_module_bytes(&ok, &base), Ok(()));
    // The same bytes as standalone BTF: its string section does not start with "\0" (split
    // strings continue the base's), or its ids point nowhere.
    assert!(validate::validate_bytes(&ok).is_err());

    // An empty split BTF (no types, no strings) is a valid module BTF, unlike standalone BTF.
    let empty = split(&base, |_| {});
    assert_eq!(validate::validate_module_bytes(&empty, &base), Ok(()));
    assert_eq!(
        validate::validate_bytes(&empty).unwrap_err().message,
        "No data"
    );

    // Meta checks name the type by its split id.
    let bad_name = split(&base, |b| {
        b.add_struct("m", 4).unwrap();
        b.add_field("a", 1, 0, 0).unwrap();
        b.add_typedef("t", 1).unwrap();
    });
    let mut patched = bad_name.clone();
    let at = patched.windows(2).position(|w| w == b"t\0").unwrap();
    patched[at] = b'-';
    let r = validate::validate_module_bytes(&patched, &base).unwrap_err();
    assert_eq!(r.message, "[4] TYPEDEF - type_id=1 Invalid name");
    assert_eq!((r.type_id, r.errno), (Some(4), EINVAL));

    // A member that does not fit its struct: BPF_BTF_LOAD's resolve pass refuses it, the module
    // path has no resolve pass and accepts it.
    let too_small = split(&base, |b| {
        b.add_struct("m", 2).unwrap();
        b.add_field("a", 1, 0, 0).unwrap();
    });
    assert_eq!(validate::validate_module_bytes(&too_small, &base), Ok(()));

    // A pointer to an id that exists nowhere: accepted (no resolution); a typedef to one: the
    // type-tag walk meets the unknown id and fails with EINVAL and no message.
    let dangling_ptr = split(&base, |b| {
        b.add_ptr(first + 7).unwrap();
    });
    assert_eq!(
        validate::validate_module_bytes(&dangling_ptr, &base),
        Ok(())
    );
    let dangling_typedef = split(&base, |b| {
        b.add_typedef("t", first + 7).unwrap();
    });
    let r = validate::validate_module_bytes(&dangling_typedef, &base).unwrap_err();
    assert_eq!((r.errno, r.message.as_str()), (EINVAL, ""));

    // A type tag below a modifier.
    let tag_order = split(&base, |b| {
        let tt = b.add_type_tag("user", 1).unwrap();
        b.add_const(tt).unwrap();
    });
    let r = validate::validate_module_bytes(&tag_order, &base).unwrap_err();
    assert_eq!(r.message, "Type tags don't precede modifiers");

    // A string offset past the base's and the module's strings.
    let mut bad_off = ok.clone();
    let hdr_len = u32::from_ne_bytes(bad_off[4..8].try_into().unwrap()) as usize;
    let type_off = u32::from_ne_bytes(bad_off[8..12].try_into().unwrap()) as usize;
    let t0 = hdr_len + type_off;
    bad_off[t0..t0 + 4].copy_from_slice(&0x00ff_0000u32.to_ne_bytes());
    let r = validate::validate_module_bytes(&bad_off, &base).unwrap_err();
    assert_eq!(r.message, "[3] Invalid name_offset:16711680");
}
