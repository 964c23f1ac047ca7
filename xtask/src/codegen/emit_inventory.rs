//! `generated/inventory.rs`: the facts a live test compares against a running Asterisk.

use std::fmt::Write as _;

use super::ir::Ir;
use super::{File, header};

pub(crate) fn emit(ir: &Ir) -> File {
    let mut out = header(ir);
    out.push_str("//! The inventory of the spec this crate was generated from.\n\n");
    writeln!(
        out,
        "/// The Asterisk version whose ARI spec generated this crate.\n\
         pub const ASTERISK_VERSION: &str = {:?};\n\n\
         /// The ARI version (`apiVersion` of `resources.json`) of that spec.\n\
         pub const ARI_VERSION: &str = {:?};\n\n\
         /// SHA-256 of the spec's `*.json` files concatenated in sorted file-name order.\n\
         pub const SPEC_SHA256: &str = {:?};\n",
        ir.asterisk_version, ir.ari_version, ir.sha256
    )
    .ok();
    let ops: Vec<_> = ir.operations().collect();
    writeln!(
        out,
        "/// Every operation of the spec ({}), resource by resource, in spec order.\n\
         pub const OPERATIONS: &[crate::inventory::OperationInfo] = &[",
        ops.len()
    )
    .ok();
    for op in ops {
        writeln!(
            out,
            "crate::inventory::OperationInfo {{ resource: {:?}, nickname: {:?}, method: crate::Method::{}, path: {:?} }},",
            op.resource, op.nickname, op.method, op.path
        )
        .ok();
    }
    out.push_str("];\n\n");
    writeln!(
        out,
        "/// The name of every model of the spec ({}), in spec order.\npub const MODELS: &[&str] = &[",
        ir.models.len()
    )
    .ok();
    for m in &ir.models {
        writeln!(out, "{:?},", m.name).ok();
    }
    out.push_str("];\n\n");
    writeln!(
        out,
        "/// The `type` of every event of the spec ({}): the subtypes of `Event`.\npub const EVENT_TYPES: &[&str] = &[",
        ir.events.len()
    )
    .ok();
    for e in &ir.events {
        writeln!(out, "{e:?},").ok();
    }
    out.push_str("];\n");
    File::new("inventory.rs", out)
}
