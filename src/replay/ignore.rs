//! What a comparison leaves out: header fields by name, options by code.

use std::fmt;

/// Option 51, the lease time.
const LEASE_TIME: u8 = 51;
/// Option 58, the renewal time T1.
const RENEWAL_TIME: u8 = 58;
/// Option 59, the rebinding time T2.
const REBINDING_TIME: u8 = 59;
/// Option 54, the server identifier.
const SERVER_IDENTIFIER: u8 = 54;
/// How many option codes there are.
const CODES: usize = 256;

macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A fixed-header field of a packet, as a replay compares and names it.
        ///
        /// `Field` is `AsRef<str>`, so `ignore_field` takes a `Field` or its name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in wire order (then the destination).
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The RFC 2131 name of the field, as diffs show it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Field::$variant => $name,)*
                }
            }
        }
    };
}

fields! {
    /// `op`, request or reply.
    Op = "op",
    /// `htype`, the hardware address type.
    Htype = "htype",
    /// `hlen`, the hardware address length.
    Hlen = "hlen",
    /// `hops`, relay hops.
    Hops = "hops",
    /// `xid`, the transaction id.
    Xid = "xid",
    /// `secs`, seconds since the client began.
    Secs = "secs",
    /// `flags`, the broadcast bit and the rest.
    Flags = "flags",
    /// `ciaddr`, the client's address.
    Ciaddr = "ciaddr",
    /// `yiaddr`, the address given to the client.
    Yiaddr = "yiaddr",
    /// `siaddr`, the next server.
    Siaddr = "siaddr",
    /// `giaddr`, the relay.
    Giaddr = "giaddr",
    /// `chaddr`, the client hardware address (all 16 bytes).
    Chaddr = "chaddr",
    /// `sname`, the server host name (all 64 bytes).
    Sname = "sname",
    /// `file`, the boot file name (all 128 bytes).
    File = "file",
    /// Where the reply was sent: address and port. Not a packet field, and only
    /// compared when asked (see `compare_destination`), since a capture taken on
    /// another network rarely shares the harness's addresses.
    Destination = "destination",
}

impl Field {
    /// The field with this name, ignoring case.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .copied()
            .find(|field| field.name().eq_ignore_ascii_case(name))
    }

    /// Every name, comma-separated, for error messages.
    pub(crate) fn names() -> String {
        let names: Vec<&str> = Field::ALL.iter().map(|field| field.name()).collect();
        names.join(", ")
    }
}

impl AsRef<str> for Field {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to leave out of a comparison.
///
/// By default every field but the destination is compared, every option is
/// compared by value, and option order is not compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ignore {
    fields: Vec<Field>,
    /// Per code: whether to skip it entirely.
    options: [bool; CODES],
    /// Per code: whether to check presence only.
    option_values: [bool; CODES],
    unknown_fields: Vec<String>,
}

impl Default for Ignore {
    fn default() -> Self {
        Ignore {
            fields: vec![Field::Destination],
            options: [false; CODES],
            option_values: [false; CODES],
            unknown_fields: Vec::new(),
        }
    }
}

impl Ignore {
    /// Leaves a field out, by [`Field`] or by name; an unknown name is reported
    /// when the replay runs.
    pub(crate) fn field(&mut self, field: impl AsRef<str>) -> &mut Self {
        let name = field.as_ref();
        match Field::from_name(name) {
            Some(field) if !self.fields.contains(&field) => self.fields.push(field),
            Some(_) => {}
            None => self.unknown_fields.push(name.to_owned()),
        }
        self
    }

    /// Compares a field after all (the destination is ignored by default).
    pub(crate) fn compare_field(&mut self, field: Field) -> &mut Self {
        self.fields.retain(|ignored| *ignored != field);
        self
    }

    /// Leaves an option out entirely: neither presence nor value is compared.
    pub(crate) fn option(&mut self, code: u8) -> &mut Self {
        self.options[usize::from(code)] = true;
        self
    }

    /// Checks only that an option is present on both sides or on neither, not its value.
    pub(crate) fn option_value(&mut self, code: u8) -> &mut Self {
        self.option_values[usize::from(code)] = true;
        self
    }

    /// Leaves out the lease times: options 51, 58 and 59.
    pub(crate) fn lease_times(&mut self) -> &mut Self {
        self.option(LEASE_TIME)
            .option(RENEWAL_TIME)
            .option(REBINDING_TIME)
    }

    /// For a capture of another server: leaves out the value of the server
    /// identifier (option 54) and `siaddr`.
    pub(crate) fn server_address(&mut self) -> &mut Self {
        self.option_value(SERVER_IDENTIFIER).field(Field::Siaddr)
    }

    /// Whether a field is left out.
    pub(crate) fn ignores_field(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// Whether an option is left out entirely.
    pub(crate) fn ignores_option(&self, code: u8) -> bool {
        self.options[usize::from(code)]
    }

    /// Whether only an option's presence is compared.
    pub(crate) fn ignores_option_value(&self, code: u8) -> bool {
        self.option_values[usize::from(code)]
    }

    /// Names given to [`field`](Self::field) that are not fields.
    pub(crate) fn unknown_fields(&self) -> &[String] {
        &self.unknown_fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_ignoring_case() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(*field));
            assert_eq!(Field::from_name(&field.name().to_uppercase()), Some(*field));
        }
        assert_eq!(Field::from_name("lease"), None);
    }

    #[test]
    fn unknown_names_are_kept_for_the_error() {
        let mut ignore = Ignore::default();
        ignore.field("secs").field("seconds");
        assert!(ignore.ignores_field(Field::Secs));
        assert_eq!(ignore.unknown_fields(), ["seconds"]);
    }

    #[test]
    fn destination_is_ignored_until_asked_for() {
        let mut ignore = Ignore::default();
        assert!(ignore.ignores_field(Field::Destination));
        ignore.compare_field(Field::Destination);
        assert!(!ignore.ignores_field(Field::Destination));
    }
}
