-- Schema version 1 to 2, in place (src/lease/postgres/schema.rs runs it in one
-- transaction, under the schema's advisory lock, between these two halves): every
-- row gets a subnet label, the whole IPv4 space until a server gives its subnets
-- (LeaseStore::subnets relabels), and the client index becomes the unique one.
-- In between, a client's bound rows past the first in a subnet are set aside.

-- first half
ALTER TABLE ex_dhcp_leases
    ADD COLUMN subnet cidr NOT NULL DEFAULT '0.0.0.0/0'
        CHECK (family(subnet) = 4 AND addr <<= subnet);
DROP INDEX IF EXISTS ex_dhcp_leases_client;

-- second half
CREATE UNIQUE INDEX ex_dhcp_leases_one_per_client
    ON ex_dhcp_leases (client, subnet) WHERE state = 'bound';
UPDATE ex_dhcp_schema_version SET version = 2;
