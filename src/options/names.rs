//! Names for options the library does not know: a table passed to dumps and errors,
//! with no global state.

use std::borrow::Cow;
use std::fmt;

use super::key::DhcpOption;
use super::table;

/// Option names for dumps and error messages: the built-in table, plus names you add
/// for your own options (those defined with [`dhcp_option!`](crate::dhcp_option), or
/// any code). A name you add for a built-in code replaces the built-in one.
///
/// There is no global registry: build one table (at start-up, next to your handler)
/// and pass it where text is made, to [`Packet::display_with`](crate::Packet::display_with),
/// [`DecodeError::display_with`](crate::DecodeError::display_with) and
/// [`OptionError::display_with`](crate::OptionError::display_with).
///
/// ```
/// use ex_dhcp::{dhcp_option, options::OptionNames, MessageType, Packet};
///
/// dhcp_option! {
///     /// Option 224 (site-specific): the rack a machine sits in.
///     pub struct RackLocation = 224, "rack location", String;
/// }
///
/// let names = OptionNames::new().with(RackLocation);
/// let mut packet = Packet::new(MessageType::Discover);
/// packet.options.set(RackLocation, "r3-12".to_string());
///
/// assert!(packet.to_string().contains("option 224 unknown: "));
/// assert!(packet.display_with(&names).to_string().contains("option 224 rack location: "));
/// assert_eq!(names.label(224).to_string(), "option 224 (rack location)");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionNames {
    added: Vec<(u8, Cow<'static, str>)>,
}

static BUILTIN: OptionNames = OptionNames { added: Vec::new() };

impl OptionNames {
    /// The built-in names only.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in names only, as a shared table (what `Display` impls use).
    pub fn builtin() -> &'static OptionNames {
        &BUILTIN
    }

    /// Adds the name of a typed option key (its [`DhcpOption::NAME`]).
    pub fn with<O: DhcpOption>(self, option: O) -> Self {
        let _ = option;
        self.with_name(O::CODE, O::NAME)
    }

    /// Adds a name for `code`, replacing an earlier one.
    pub fn with_name(mut self, code: u8, name: impl Into<Cow<'static, str>>) -> Self {
        self.insert(code, name);
        self
    }

    /// Adds a name for `code`, replacing an earlier one.
    pub fn insert(&mut self, code: u8, name: impl Into<Cow<'static, str>>) {
        let name = name.into();
        match self.added.iter_mut().find(|(c, _)| *c == code) {
            Some(entry) => entry.1 = name,
            None => self.added.push((code, name)),
        }
    }

    /// The name of `code`: an added one first, then the built-in table.
    pub fn name(&self, code: u8) -> Option<&str> {
        self.added
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, name)| name.as_ref())
            .or_else(|| table::name(code))
    }

    /// `option 1 (subnet mask)`, or `option 224` for a code without a name: how errors
    /// name an option.
    pub fn label(&self, code: u8) -> impl fmt::Display + '_ {
        Label { names: self, code }
    }
}

struct Label<'a> {
    names: &'a OptionNames,
    code: u8,
}

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.names.name(self.code) {
            Some(name) => write!(f, "option {} ({name})", self.code),
            None => write!(f, "option {}", self.code),
        }
    }
}

/// `option 1 (subnet mask)`, or `option 224` for a code without a name: the label
/// errors, replay differences and logs use for an option (built-in names; see
/// [`OptionNames::label`] for your own).
///
/// ```
/// assert_eq!(ex_dhcp::options::label(1).to_string(), "option 1 (subnet mask)");
/// assert_eq!(ex_dhcp::options::label(224).to_string(), "option 224");
/// ```
pub fn label(code: u8) -> impl fmt::Display {
    OwnedLabel(code)
}

struct OwnedLabel(u8);

impl fmt::Display for OwnedLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&BUILTIN.label(self.0), f)
    }
}
