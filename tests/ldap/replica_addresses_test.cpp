// The replica's addresses as a user of the daemon observes them through the engine:
// every value of mail is the account's (SPEC §2 "Fail closed"), the primary is the lowest,
// an alias makes only itself local, and the names of one domain entry are one domain.
#include <gtest/gtest.h>

#include "ldap/ldif_parser.h"
#include "ldap/replica.h"
#include "modes/decision.h"

namespace mailpolicy {
namespace {

class ReplicaAddresses : public ::testing::Test {
  protected:
    ReplicaAddresses() {
        config.alias_attributes = {"mailAlternateAddress"};
        replica = std::make_unique<Replica>(config, holder);
    }

    std::shared_ptr<const Snapshot> load(const std::string& ldif) {
        for (Entry& entry : parse_ldif(ldif, "test.ldif")) replica->upsert(std::move(entry));
        replica->publish();
        return holder.current();
    }

    Verdict decide(const std::string& sender, const std::string& recipient) {
        Envelope envelope;
        envelope.sender = sender;
        envelope.path = SubmissionPath::Sendmail;  // a verified sender
        return Engine(*holder.current(), policy).decide(envelope, recipient);
    }

    DirectoryConfig config;
    PolicyConfig policy;
    SnapshotHolder holder;
    std::unique_ptr<Replica> replica;
};

// Two mail values, the lower one second as a server may send them, and a forwarding
// alias in a domain nobody hosts.
const char* const kTwoMailValues =
    "dn: uid=amy,dc=test\nobjectClass: inetOrgPerson\nmail: zed@example.org\n"
    "mail: Amy@Example.com\nmailAlternateAddress: amy.fwd@outside.test\n"
    "mailPolicySendMode: localOnly\nmailPolicyReceiveMode: denyAll\n";

TEST_F(ReplicaAddresses, EveryMailValueIsAnAddressOfTheAccount) {
    auto snapshot = load(kTwoMailValues);
    const Account* by_second = snapshot->account_by_address("zed@example.org");
    ASSERT_NE(by_second, nullptr);
    EXPECT_EQ(by_second->dn(), "uid=amy,dc=test");
    EXPECT_EQ(by_second, snapshot->account_by_address("amy@example.com"));
    EXPECT_EQ(by_second->primary(), "amy@example.com") << "the lowest value is the primary";

    // The second value gets the account's receive policy, not the domain's (none).
    const Verdict verdict = decide("x@partner.test", "zed@example.org");
    EXPECT_EQ(verdict.outcome, Outcome::Denied);
    EXPECT_EQ(verdict.account, "amy@example.com");
    EXPECT_EQ(verdict.rule,
              "receive: account amy@example.com mode denyAll (from account amy@example.com)");
}

TEST_F(ReplicaAddresses, LocalDomainsHoldTheDomainsOfEveryMailValue) {
    load(kTwoMailValues);
    EXPECT_EQ(decide("amy@example.com", "someone@example.org").outcome, Outcome::Allowed);
    EXPECT_EQ(decide("zed@example.org", "someone@example.com").outcome, Outcome::Allowed);
    EXPECT_EQ(decide("amy@example.com", "someone@partner.test").outcome, Outcome::Denied);
}

TEST_F(ReplicaAddresses, AnAliasMakesOnlyItselfLocalNotItsDomain) {
    auto snapshot = load(kTwoMailValues);
    EXPECT_TRUE(snapshot->hosts_domain("example.org"));
    EXPECT_FALSE(snapshot->hosts_domain("outside.test"));
    ASSERT_NE(snapshot->account_by_address("amy.fwd@outside.test"), nullptr);
    // Amy's alias domain is not in her local domains, nor in the organisation's.
    EXPECT_EQ(decide("amy@example.com", "bob@outside.test").outcome, Outcome::Denied);
    policy.local_domains = LocalDomains::Hosted;
    EXPECT_EQ(decide("amy@example.com", "bob@outside.test").outcome, Outcome::Denied);
    // Other addresses in that domain are nobody's: no policy restricts them.
    policy.default_receive_mode = Mode::DenyAll;
    EXPECT_EQ(decide("x@partner.test", "bob@outside.test").outcome, Outcome::Allowed);
    EXPECT_EQ(decide("x@partner.test", "amy.fwd@outside.test").outcome, Outcome::Denied);
}

TEST_F(ReplicaAddresses, RemovingTheAccountUnhostsTheDomainsOfItsMailValues) {
    load(kTwoMailValues);
    replica->remove_dn("uid=amy,dc=test");
    replica->publish();
    EXPECT_FALSE(holder.current()->hosts_domain("example.org"));
    EXPECT_FALSE(holder.current()->hosts_domain("example.com"));
}

}  // namespace
}  // namespace mailpolicy
