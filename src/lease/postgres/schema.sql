-- The ex_dhcp PostgreSQL lease store (`ex_dhcp::lease::PgStore`), schema version 1.
--
-- PgStore::connect runs this file in one transaction (under an advisory lock, so
-- servers starting together create it once); every statement is idempotent. A
-- database whose ex_dhcp_schema_version holds another version is refused, never
-- changed.
--
-- One row per address that someone holds or held: the address is the primary key,
-- so two servers can never both hold it. A row whose `until` has passed is free
-- (an expired lease or quarantine): the next server to bind the address overwrites
-- it.

CREATE TABLE IF NOT EXISTS ex_dhcp_schema_version (
    version integer NOT NULL
);

INSERT INTO ex_dhcp_schema_version (version)
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM ex_dhcp_schema_version);

CREATE TABLE IF NOT EXISTS ex_dhcp_leases (
    -- The leased or declined IPv4 address.
    addr   inet    PRIMARY KEY CHECK (family(addr) = 4 AND masklen(addr) = 32),
    -- 'bound': `client` leases `addr` until `until`;
    -- 'declined': a client found `addr` in use; nobody gets it until `until`.
    state  text    NOT NULL CHECK (state IN ('bound', 'declined')),
    -- The client as the lease file writes it: id:<hex> (option 61) or
    -- hw:<htype>:<hex> (chaddr); NULL for a declined address.
    client text    CHECK ((state = 'bound') = (client IS NOT NULL)),
    -- The end of the lease or quarantine, in seconds since the Unix epoch.
    until  bigint  NOT NULL
);

-- lookup(client): a rebinding client's lease, whichever server made it.
CREATE INDEX IF NOT EXISTS ex_dhcp_leases_client ON ex_dhcp_leases (client)
    WHERE client IS NOT NULL;
