// The data-driven conformance corpus: every *.json file under tests/cases/ holds cases (policies,
// a request, the expected decision and deciding statements), each run here as its own test. The
// format is described in tests/cases/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policy/document.h"
#include "policy/evaluator.h"

namespace sigil::policy {
namespace {

using Json = nlohmann::ordered_json;

// Cases are few hundred and small: the whole corpus is loaded once.
struct Case {
  std::string test_name;  // file_case, sanitised for GoogleTest
  std::string file;
  Json spec;  // the case with the file's defaults applied
  std::string load_error;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.test_name; }

constexpr const char* kDefaults = R"({
  "principal": {"kind": "user", "arn": "arn:aws:iam::111122223333:user/alice",
                "account": "111122223333", "id": "AIDAEXAMPLEALICE00001"},
  "action": "s3:GetObject",
  "resource": "arn:aws:s3:::amzn-s3-demo-bucket/photo.jpg"
})";

std::string Sanitize(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

// Merges `over` into `base` one level deep for "principal" and "context", else replaces.
void MergeRequest(Json& base, const Json& over) {
  for (const auto& [key, value] : over.items()) {
    if ((key == "context" || key == "principal") && base.contains(key) && value.is_object()) {
      if (key == "principal" && value.contains("kind")) {
        base[key] = value;  // a different kind of principal: no inherited fields
        continue;
      }
      for (const auto& [k, v] : value.items()) base[key][k] = v;
    } else {
      base[key] = value;
    }
  }
}

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  const std::filesystem::path root = std::filesystem::path(SIGIL_SOURCE_DIR) / "tests" / "cases";
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const auto& path : files) {
    const std::string rel = std::filesystem::relative(path, root).string();
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    Json file;
    try {
      file = Json::parse(text.str());
    } catch (const Json::exception& e) {
      cases.push_back(Case{Sanitize(rel), rel, Json(), std::string("invalid JSON: ") + e.what()});
      continue;
    }
    Json defaults = Json::parse(kDefaults);
    if (file.contains("defaults")) MergeRequest(defaults, file["defaults"]);
    for (const Json& c : file.value("cases", Json::array())) {
      Case out;
      out.file = rel;
      out.test_name = Sanitize(rel.substr(0, rel.size() - 5) + "_" + c.value("name", "unnamed"));
      if (!names.insert(out.test_name).second) out.load_error = "duplicate case name";
      out.spec = c;
      Json request = defaults;
      if (c.contains("request")) MergeRequest(request, c["request"]);
      if (c.contains("context")) MergeRequest(request, Json{{"context", c["context"]}});
      out.spec["request"] = request;
      cases.push_back(std::move(out));
    }
  }
  return cases;
}

const std::vector<Case>& AllCases() {
  static const std::vector<Case>* const cases = new std::vector<Case>(LoadCases());
  return *cases;
}

StatusOr<PolicyKind> KindFromName(const std::string& name) {
  for (PolicyKind k : {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust,
                       PolicyKind::kBoundary, PolicyKind::kSession}) {
    if (PolicyKindName(k) == name) return k;
  }
  return InvalidArgumentError("unknown policy kind " + name);
}

PrincipalKind PrincipalKindFromName(const std::string& name) {
  if (name == "root") return PrincipalKind::kRoot;
  if (name == "assumed-role") return PrincipalKind::kAssumedRole;
  if (name == "federated-user") return PrincipalKind::kFederatedUser;
  if (name == "service") return PrincipalKind::kService;
  if (name == "web-identity") return PrincipalKind::kWebIdentity;
  if (name == "anonymous") return PrincipalKind::kAnonymous;
  EXPECT_EQ(name, "user") << "unknown principal kind";
  return PrincipalKind::kUser;
}

// One policy of a case, before parsing.
struct PolicySpec {
  std::string kind;
  std::string label;
  std::string text;
};

std::vector<PolicySpec> PolicySpecs(const Json& c) {
  std::vector<PolicySpec> out;
  if (c.contains("condition") || c.contains("statement")) {
    Json statement = c.contains("statement") ? c["statement"]
                                             : Json{{"Sid", "Test"},
                                                    {"Effect", "Allow"},
                                                    {"Action", "*"},
                                                    {"Resource", "*"},
                                                    {"Condition", c["condition"]}};
    Json doc = {{"Version", c.value("version", "2012-10-17")}, {"Statement", statement}};
    out.push_back(PolicySpec{"identity", "test-policy", doc.dump(2)});
  }
  for (const Json& p : c.value("policies", Json::array())) {
    PolicySpec spec;
    spec.kind = p.value("kind", "identity");
    spec.label = p.value("label", spec.kind);
    spec.text = p.contains("text") ? p["text"].get<std::string>() : p["document"].dump(2);
    out.push_back(std::move(spec));
  }
  return out;
}

class PolicyCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(PolicyCaseTest, Decides) {
  const Case& tc = GetParam();
  ASSERT_TRUE(tc.load_error.empty()) << tc.file << ": " << tc.load_error;
  const Json& c = tc.spec;
  SCOPED_TRACE(tc.file + " / " + c.value("name", "") + " / " + c.value("source", ""));
  const Json expect = c["expect"].is_string() ? Json{{"decision", c["expect"]}} : c["expect"];
  const bool shorthand = c.contains("condition") || c.contains("statement");

  // Parse every policy; a case may expect a parse error instead of a decision.
  std::vector<std::shared_ptr<const Policy>> parsed;
  std::vector<PolicySpec> specs = PolicySpecs(c);
  ASSERT_FALSE(specs.empty()) << "a case needs policies";
  for (const PolicySpec& spec : specs) {
    StatusOr<PolicyKind> kind = KindFromName(spec.kind);
    ASSERT_TRUE(kind.ok()) << kind.status().message();
    StatusOr<std::shared_ptr<const Policy>> policy = ParsePolicy(spec.text, *kind);
    if (expect.contains("parse_error")) {
      ASSERT_FALSE(policy.ok()) << "expected a parse error for " << spec.label;
      EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(policy.status().aws_code(), "MalformedPolicyDocument");
      EXPECT_NE(policy.status().message().find(expect["parse_error"].get<std::string>()),
                std::string::npos)
          << policy.status().message();
      return;
    }
    ASSERT_TRUE(policy.ok()) << spec.label << ": " << policy.status().message();
    parsed.push_back(*policy);
  }

  // The request.
  const Json& r = c["request"];
  const Json& p = r["principal"];
  std::vector<std::string> strings;  // keeps the views of PrincipalFacts alive
  strings.reserve(16);
  auto keep = [&](const Json& j, const char* key) -> std::string_view {
    strings.push_back(j.value(key, ""));
    return strings.back();
  };
  EvaluationRequest request;
  request.principal.kind = PrincipalKindFromName(p.value("kind", "user"));
  request.principal.arn = keep(p, "arn");
  request.principal.account_id = keep(p, "account");
  request.principal.source_arn = keep(p, "source_arn");
  request.principal.unique_id = keep(p, "id");
  request.principal.service = keep(p, "service");
  request.principal.federated_provider = keep(p, "provider");
  request.principal.canonical_user_id = keep(p, "canonical_user");
  request.action = keep(r, "action");
  request.resource = keep(r, "resource");
  request.resource_account = keep(r, "resource_account");

  RequestContext context;
  const Json context_spec = r.value("context", Json::object());
  for (const auto& [key, value] : context_spec.items()) {
    if (value.is_array()) {
      std::vector<std::string> values;
      for (const Json& v : value) values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      context.SetValues(key, std::move(values));
    } else {
      context.Set(key, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  request.context = &context;

  std::vector<PolicyRef> identity, session;
  for (size_t i = 0; i < specs.size(); ++i) {
    PolicyRef ref{parsed[i].get(), specs[i].label};
    if (specs[i].kind == "identity") {
      identity.push_back(ref);
    } else if (specs[i].kind == "session") {
      session.push_back(ref);
    } else if (specs[i].kind == "boundary") {
      ASSERT_FALSE(request.permissions_boundary) << "one boundary per case";
      request.permissions_boundary = ref;
    } else {
      ASSERT_FALSE(request.resource_policy) << "one resource or trust policy per case";
      request.resource_policy = ref;
    }
  }
  request.identity_policies = identity;
  request.session_policies = session;

  const Decision d = Evaluate(request);

  EXPECT_EQ(EvalEffectName(d.effect), expect["decision"].get<std::string>());
  if (expect.contains("by")) {
    EXPECT_EQ(PolicyTypeName(d.decided_by), expect["by"].get<std::string>());
  }

  // The deciding statements, as "label#Sid" (or "label#index" for a statement without a Sid).
  std::multiset<std::string> actual;
  for (const MatchedStatement& m : d.matched) {
    actual.insert(
        std::string(m.label) + "#" +
        (m.statement->sid.empty() ? std::to_string(m.statement->index) : m.statement->sid));
  }
  std::multiset<std::string> expected;
  if (expect.contains("statements")) {
    for (const Json& s : expect["statements"]) expected.insert(s.get<std::string>());
  } else if (shorthand && d.effect == EvalEffect::kAllowed) {
    expected.insert("test-policy#Test");
  } else {
    ASSERT_EQ(expect["decision"], "implicitDeny")
        << "a case with an allow or explicit deny must name its deciding statements";
  }
  EXPECT_EQ(actual, expected);

  if (expect.contains("missing")) {
    std::set<std::string> missing(d.missing_context_keys.begin(), d.missing_context_keys.end());
    std::set<std::string> want;
    for (const Json& k : expect["missing"]) want.insert(k.get<std::string>());
    EXPECT_EQ(missing, want);
  }
  if (expect.contains("message")) {
    EXPECT_EQ(AccessDeniedMessage(d, request.principal.arn, request.action, request.resource),
              expect["message"].get<std::string>());
  }
  if (expect.contains("allowed_by_boundary")) {
    ASSERT_TRUE(d.allowed_by_boundary.has_value());
    EXPECT_EQ(*d.allowed_by_boundary, expect["allowed_by_boundary"].get<bool>());
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, PolicyCaseTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.test_name;
                         });

// A lost folder or a renamed file must not silently shrink the corpus.
TEST(PolicyCorpus, HasAtLeastThreeHundredCases) {
  EXPECT_GE(AllCases().size(), 300u);
  size_t cited = 0;
  for (const Case& c : AllCases()) cited += c.spec.contains("source") ? 1 : 0;
  EXPECT_GT(cited, 0u) << "cases taken from AWS's documentation cite it";
}

}  // namespace
}  // namespace sigil::policy
