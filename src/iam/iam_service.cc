#include "iam/iam_service.h"

namespace sigil::iam {

// Defined by each operation family's file.
void RegisterUserOperations(api::QueryService* svc, IdentityService& identity,
                            const KeyUsageTracker& usage);
void RegisterGroupOperations(api::QueryService* svc, IdentityService& identity);
void RegisterEntityPolicyOperations(api::QueryService* svc, IdentityService& identity);
void RegisterPolicyOperations(api::QueryService* svc, IdentityService& identity);
void RegisterRoleOperations(api::QueryService* svc, IdentityService& identity);
void RegisterAccountOperations(api::QueryService* svc);
void RegisterSimulatorOperations(api::QueryService* svc);
void RegisterMfaDeviceOperations(api::QueryService* svc, IdentityService& identity);
void RegisterCredentialReportOperations(api::QueryService* svc, const KeyUsageTracker& usage);
void RegisterServiceLastAccessedOperations(api::QueryService* svc, std::string audit_dir);

std::unique_ptr<api::QueryService> MakeIamService(IdentityService& identity,
                                                  const KeyUsageTracker& usage,
                                                  std::string audit_dir) {
  auto svc = std::make_unique<api::QueryService>("iam", protocol::IamModel());
  RegisterUserOperations(svc.get(), identity, usage);
  RegisterGroupOperations(svc.get(), identity);
  RegisterEntityPolicyOperations(svc.get(), identity);
  RegisterPolicyOperations(svc.get(), identity);
  RegisterRoleOperations(svc.get(), identity);
  RegisterAccountOperations(svc.get());
  RegisterSimulatorOperations(svc.get());
  RegisterMfaDeviceOperations(svc.get(), identity);
  RegisterCredentialReportOperations(svc.get(), usage);
  RegisterServiceLastAccessedOperations(svc.get(), std::move(audit_dir));
  return svc;
}

}  // namespace sigil::iam
