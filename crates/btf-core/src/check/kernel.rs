//! The kernel's verdict on module BTF over a base ([`crate::validate::validate_module_bytes`], the
//! module-load path of `kernel/bpf/btf.c`), as a wrong-base signal.
//!
//! Only a rejection of a type counts as a finding: a module read over the base it was built
//! against is accepted by the kernel (the corpus test holds every Debian module to that), so a
//! type the kernel refuses over this base is a reference the base broke. A rejection without a
//! type (header, sections, byte order) does not depend on the base; it is a note, and the
//! verdict comes from the other signals.

use crate::check::KernelRules;
use crate::model::btf::Btf;
use crate::validate::validate_module_bytes;

/// The kernel's rules on module BTF `data` (raw split BTF) over `base`.
pub(crate) fn kernel_rules(data: &[u8], base: &Btf) -> KernelRules {
    match validate_module_bytes(data, base) {
        Ok(()) => KernelRules::Accepted,
        Err(r) => KernelRules::Rejected {
            type_id: r.type_id,
            errno: r.errno,
            message: r.to_string(),
        },
    }
}
