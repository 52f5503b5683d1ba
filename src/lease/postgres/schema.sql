-- The ex_dhcp PostgreSQL lease store (`ex_dhcp::lease::PgStore`), schema version 2.
--
-- PgStore::connect runs this file in one transaction, under an advisory lock so
-- servers starting together create it once, on a database without the tables. A
-- database of version 1 is migrated in place (src/lease/postgres/schema.rs); one
-- of a version this code does not know is refused, never changed.
--
-- One row per address that someone holds or held: the address is the primary
-- key, so two clients can never hold it. At most one bound row per client in a
-- subnet: the unique index below, so one client can never hold two addresses of
-- a subnet, whichever servers bound them. A row whose `until` has passed is free
-- (an expired lease or quarantine): the next server to bind the address overwrites
-- it, and a client's expired row is removed when the client is bound elsewhere.
--
-- Every server on the database takes the same advisory locks before it writes
-- (src/lease/postgres/locks.rs): pg_advisory_xact_lock(17475, client key) for
-- each client it binds, then pg_advisory_xact_lock(17473, address key) for each
-- address it writes or its clients hold, each class in ascending key order.

CREATE TABLE IF NOT EXISTS ex_dhcp_schema_version (
    version integer NOT NULL
);

INSERT INTO ex_dhcp_schema_version (version)
    SELECT 2 WHERE NOT EXISTS (SELECT 1 FROM ex_dhcp_schema_version);

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
    until  bigint  NOT NULL,
    -- The subnet of the address, of those the servers serve (the longest prefix
    -- that holds it; 0.0.0.0/0 when none does): one bound row per client in each.
    subnet cidr    NOT NULL DEFAULT '0.0.0.0/0'
                   CHECK (family(subnet) = 4 AND addr <<= subnet)
);

-- One bound lease per client in a subnet; also lookup(client), a rebinding
-- client's lease, whichever server made it.
CREATE UNIQUE INDEX IF NOT EXISTS ex_dhcp_leases_one_per_client
    ON ex_dhcp_leases (client, subnet) WHERE state = 'bound';
