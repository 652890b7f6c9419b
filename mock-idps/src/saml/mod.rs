//! The one SAML core shared by every identity provider: bindings, signatures, messages, metadata.

pub mod binding;
pub mod dsig;
pub mod keys;
pub mod ns;
pub mod status;
pub mod xml_read;
pub mod xml_writer;
