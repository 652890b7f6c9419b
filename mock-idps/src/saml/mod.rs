//! The one SAML core shared by every identity provider: bindings, signatures, messages, metadata.

pub mod authn_request;
pub mod binding;
pub mod dsig;
pub mod idp_metadata;
pub mod keys;
pub mod logout;
pub mod ns;
pub mod response;
pub mod sp_metadata;
pub mod status;
pub mod xml_read;
pub mod xml_writer;
