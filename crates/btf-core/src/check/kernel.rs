//! The kernel's verdict on module BTF over a base: where `btf_core::validate` (the kernel's
//! `kernel/bpf/btf.c` checks, module-load path) plugs into wrong-base detection.
//!
//! Until `validate::validate_module_bytes(data, base) -> Result<(), Rejection>` is part of the
//! crate this reports [`KernelRules::NotRun`]; the checker's own rules cover the base-dependent
//! subset of the kernel's checks (ids and names in range, what each kind may reference, members
//! fitting their struct, array index types, FUNC on FUNC_PROTO, DATASEC entries).

use crate::check::KernelRules;
use crate::model::btf::Btf;

/// The kernel's rules on module BTF `data` (raw split BTF) over `base`.
pub(crate) fn kernel_rules(data: &[u8], base: &Btf) -> KernelRules {
    let _ = (data, base);
    KernelRules::NotRun
}
