// IAM virtual MFA devices: creation (the seed, once, and its QR code), enabling with two
// consecutive codes, resync, deactivation, deletion, listing and tags. The codes themselves are
// checked by IdentityService under its writer lock (auth/totp.h's rules, replay refused).
#include <algorithm>
#include <map>

#include "auth/totp.h"
#include "common/base32.h"
#include "common/crypto.h"
#include "common/qr_png.h"
#include "common/strings.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"

namespace sigil::iam {
namespace {

// The issuer an authenticator app shows for the device. AWS writes "Amazon Web Services" and
// labels the entry "<device name>@<account id>"; Sigil keeps the label but names itself, so a
// Sigil device is never mistaken for (or listed beside as a twin of) a real AWS account's.
constexpr std::string_view kOtpauthIssuer = "Sigil";

// Serial numbers are at most 256 characters (the model's serialNumberType): a device whose ARN
// is longer could never be named again.
constexpr size_t kMaxSerialNumberLength = 256;

std::string MfaArn(const std::string& account_id, const std::string& path,
                   const std::string& name) {
  return "arn:aws:iam::" + account_id + ":mfa" + path + name;
}

Status NoSuchDevice(std::string_view serial) {
  return NoSuchEntityMessage("VirtualMFADevice with serial number " + std::string(serial) +
                             " does not exist.");
}

// The device exists but is not assigned to the user the request names.
Status DeviceInvalidForUser() { return NoSuchEntityMessage("MFA Device invalid for user."); }

Status DeviceAlreadyExists() {
  return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                  "MFADevice entity at the same path and name already exists.");
}

Status DeviceInUse() {
  return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                  "MFA Device is already in use.");
}

Status InvalidAuthenticationCode() {
  return AwsError(StatusCode::kPermissionDenied, "InvalidAuthenticationCode",
                  "Authentication code for device is not valid.");
}

// The caller's account's device with this serial number (found case-insensitively), or null.
const MfaDevice* FindOwnDevice(const CallContext& ctx, std::string_view serial) {
  const MfaDevice* d = ctx.snapshot.FindMfaDevice(serial);
  return d != nullptr && d->account_id == ctx.principal.account_id ? d : nullptr;
}

StatusOr<const MfaDevice*> TargetDevice(const CallContext& ctx, const Value& in) {
  const std::string serial = in["SerialNumber"].get<std::string>();
  const MfaDevice* d = FindOwnDevice(ctx, serial);
  if (d == nullptr) return NoSuchDevice(serial);
  return d;
}

// The id devices are assigned to: the user's id, or the account id for the root user.
std::string OwnerId(const CallContext& ctx, const UserTarget& target) {
  return target.user != nullptr ? target.user->user_id : ctx.principal.account_id;
}

// The UserName shown for a device's owner. The root user has no name; Sigil shows the account
// id (MFADevice.UserName is required in the model).
std::string OwnerName(const CallContext& ctx, const UserTarget& target) {
  return target.user != nullptr ? target.user->name : ctx.principal.account_id;
}

Value EnableDateOf(const MfaDevice& d) { return MillisOf(d.enabled_at.value_or(d.created)); }

// Maps IdentityService's answers to a code check (Enable, Resync) to AWS's errors.
Status CodeCheckError(const Status& s, const MfaDevice& device) {
  if (s.code() == StatusCode::kInvalidArgument && s.message() == kInvalidMfaCodes) {
    return InvalidAuthenticationCode();
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchDevice(device.serial_number);
  return s;
}

// ---- Devices ---------------------------------------------------------------------------------

StatusOr<Value> CreateVirtualMfaDevice(IdentityService& identity, const CallContext& ctx,
                                       const Value& in) {
  const std::string& account = ctx.principal.account_id;
  const std::string name = in["VirtualMFADeviceName"].get<std::string>();
  const std::string path = OptString(in, "Path", "/");
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsFromInput(in));
  const std::string serial = MfaArn(account, path, name);
  if (serial.size() > kMaxSerialNumberLength) {
    return InvalidInput("The serial number of the virtual MFA device (its ARN, " +
                        std::to_string(serial.size()) + " characters) must be at most " +
                        std::to_string(kMaxSerialNumberLength) +
                        " characters: choose a shorter path or name.");
  }
  if (ctx.snapshot.FindMfaDevice(serial) != nullptr) return DeviceAlreadyExists();
  auto created = identity.CreateVirtualMfaDevice(account, name, path, tags);
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists) {
    return DeviceAlreadyExists();
  }
  if (!created.ok()) return created.status();

  std::string seed32 = Base32Encode(created->seed);
  SecureWipe(created->seed);
  std::string uri = auth::OtpauthUri(kOtpauthIssuer, name + "@" + account, seed32);
  StatusOr<std::string> png = QrCodePng(uri);
  SecureWipe(uri);
  if (!png.ok()) {
    // The seed is gone with this response: do not leave a device nobody can enroll.
    SecureWipe(seed32);
    // Best effort: the QR failure is the error to report.
    (void)identity.DeleteVirtualMfaDevice(account, created->device.serial_number);
    return png.status();
  }
  // Both are blobs (BootstrapDatum): the codec base64-encodes them, so the seed reaches the
  // client as the base32 text's bytes and the PNG as its own bytes, as AWS sends them.
  Value device = {{"SerialNumber", created->device.serial_number},
                  {"Base32StringSeed", seed32},
                  {"QRCodePNG", std::move(png).value()}};
  SecureWipe(seed32);
  if (!created->device.tags.empty()) device["Tags"] = TagsToValue(created->device.tags);
  return Value{{"VirtualMFADevice", std::move(device)}};
}

StatusOr<Value> EnableMfaDevice(IdentityService& identity, const CallContext& ctx,
                                const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  if (!device->user_id.empty()) return DeviceInUse();
  const std::string owner = OwnerId(ctx, target);
  if (ctx.snapshot.MfaDevicesOfUser(owner).size() >= static_cast<size_t>(kMaxMfaDevicesPerUser)) {
    return LimitExceeded("MFADevicesPerUser", kMaxMfaDevicesPerUser);
  }
  Status s = identity.EnableMfaDevice(ctx.principal.account_id, owner, device->serial_number,
                                      in["AuthenticationCode1"].get<std::string>(),
                                      in["AuthenticationCode2"].get<std::string>(), ctx.now,
                                      kMaxMfaDevicesPerUser);
  if (s.code() == StatusCode::kAlreadyExists) return DeviceInUse();
  if (s.code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("MFADevicesPerUser", kMaxMfaDevicesPerUser);
  }
  SIGIL_RETURN_IF_ERROR(CodeCheckError(s, *device));
  return Value::object();
}

StatusOr<Value> ResyncMfaDevice(IdentityService& identity, const CallContext& ctx,
                                const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  const std::string owner = OwnerId(ctx, target);
  if (device->user_id != owner) return DeviceInvalidForUser();
  Status s = identity.ResyncMfaDevice(owner, device->serial_number,
                                      in["AuthenticationCode1"].get<std::string>(),
                                      in["AuthenticationCode2"].get<std::string>(), ctx.now);
  if (s.code() == StatusCode::kNotFound) return DeviceInvalidForUser();
  SIGIL_RETURN_IF_ERROR(CodeCheckError(s, *device));
  return Value::object();
}

StatusOr<Value> DeactivateMfaDevice(IdentityService& identity, const CallContext& ctx,
                                    const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  const std::string owner = OwnerId(ctx, target);
  if (device->user_id != owner) return DeviceInvalidForUser();
  Status s = identity.DeactivateMfaDevice(owner, device->serial_number);
  if (s.code() == StatusCode::kNotFound) return DeviceInvalidForUser();
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> DeleteVirtualMfaDevice(IdentityService& identity, const CallContext& ctx,
                                       const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  const char* in_use = "MFA VirtualDevice in use. Must deactivate first.";
  if (!device->user_id.empty()) return DeleteConflict(in_use);
  Status s = identity.DeleteVirtualMfaDevice(ctx.principal.account_id, device->serial_number);
  if (s.code() == StatusCode::kFailedPrecondition) return DeleteConflict(in_use);
  if (s.code() == StatusCode::kNotFound) return NoSuchDevice(device->serial_number);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// Devices ordered by serial number, compared case-insensitively (the pagination key).
std::vector<const MfaDevice*> BySerial(std::vector<const MfaDevice*> devices) {
  std::sort(devices.begin(), devices.end(), [](const MfaDevice* a, const MfaDevice* b) {
    return AsciiLower(a->serial_number) < AsciiLower(b->serial_number);
  });
  return devices;
}

std::string SerialKey(const MfaDevice* d) { return AsciiLower(d->serial_number); }

StatusOr<Value> ListMfaDevices(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  const std::string owner_name = OwnerName(ctx, target);
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, BySerial(ctx.snapshot.MfaDevicesOfUser(OwnerId(ctx, target))), SerialKey,
      [&](const MfaDevice* d) {
        return Value{{"UserName", owner_name},
                     {"SerialNumber", d->serial_number},
                     {"EnableDate", EnableDateOf(*d)}};
      },
      "MFADevices", &out));
  return out;
}

StatusOr<Value> ListVirtualMfaDevices(const CallContext& ctx, const Value& in) {
  const std::string& account = ctx.principal.account_id;
  const std::string status = OptString(in, "AssignmentStatus", "Any");
  std::vector<const MfaDevice*> devices;
  for (const MfaDevice* d : ctx.snapshot.MfaDevices(account)) {
    const bool assigned = !d->user_id.empty();
    if (status == "Any" || (status == "Assigned") == assigned) devices.push_back(d);
  }
  std::map<std::string, const User*, std::less<>> users_by_id;
  for (const User* u : ctx.snapshot.Users(account)) users_by_id[u->user_id] = u;
  const Account* acct = ctx.snapshot.FindAccount(account);
  auto to_value = [&](const MfaDevice* d) {
    // Tags are left out, as AWS's list operations do (ListMFADeviceTags has them).
    Value v = {{"SerialNumber", d->serial_number}};
    if (d->user_id.empty()) return v;
    if (d->user_id == account) {
      // The root user, shown as GetUser shows it.
      Value root = {{"UserId", account}, {"Arn", RootArn(account)}};
      if (acct != nullptr) root["CreateDate"] = MillisOf(acct->created);
      v["User"] = std::move(root);
    } else if (auto it = users_by_id.find(d->user_id); it != users_by_id.end()) {
      v["User"] = UserToValue(account, *it->second, false);
    }
    v["EnableDate"] = EnableDateOf(*d);
    return v;
  };
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(
      Paginate(in, BySerial(std::move(devices)), SerialKey, to_value, "VirtualMFADevices", &out));
  return out;
}

// GetMFADevice: AWS answers it for FIDO security keys only; Sigil, which has virtual devices
// only, answers it for those (UserName, SerialNumber, EnableDate; no Certifications).
StatusOr<Value> GetMfaDevice(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  if (device->user_id != OwnerId(ctx, target)) return DeviceInvalidForUser();
  return Value{{"UserName", OwnerName(ctx, target)},
               {"SerialNumber", device->serial_number},
               {"EnableDate", EnableDateOf(*device)}};
}

// ---- Tags ------------------------------------------------------------------------------------

Status WriteTags(IdentityService& identity, const CallContext& ctx, const MfaDevice& device,
                 const std::vector<Tag>& tags) {
  Status s = identity.SetMfaDeviceTags(ctx.principal.account_id, device.serial_number, tags);
  if (s.code() == StatusCode::kNotFound) return NoSuchDevice(device.serial_number);
  return s;
}

StatusOr<Value> TagMfaDevice(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> added, TagsFromInput(in));
  SIGIL_ASSIGN_OR_RETURN(
      std::vector<Tag> tags,
      MergeTags(device->tags, std::move(added), "TagsPerMFADevice", kMaxTagsPerMfaDevice));
  SIGIL_RETURN_IF_ERROR(WriteTags(identity, ctx, *device, tags));
  return Value::object();
}

StatusOr<Value> UntagMfaDevice(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  SIGIL_RETURN_IF_ERROR(WriteTags(identity, ctx, *device, RemoveTags(device->tags, in["TagKeys"])));
  return Value::object();
}

StatusOr<Value> ListMfaDeviceTags(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const MfaDevice* device, TargetDevice(ctx, in));
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(PaginateByPosition(
      in, device->tags,
      [](const Tag& t) {
        return Value{{"Key", t.key}, {"Value", t.value}};
      },
      "Tags", &out));
  return out;
}

// ---- Authorization ---------------------------------------------------------------------------

// Operations on one device are authorized against its ARN (the serial number as sent when no
// such device exists), with its tags as aws:ResourceTag/KEY and iam:ResourceTag/KEY, plus the
// request's tag keys for tagging operations.
api::Describer DeviceScoped(const char* action) {
  return [action](const CallContext& ctx, const Value& in) {
    const std::string serial = in["SerialNumber"].get<std::string>();
    const MfaDevice* device = FindOwnDevice(ctx, serial);
    AuthzRequest req{action, device != nullptr ? device->serial_number : serial};
    if (device != nullptr) AddResourceTagKeys(device->tags, &req);
    AddRequestTagKeys(in, &req);
    return req;
  };
}

}  // namespace

void RegisterMfaDeviceOperations(api::QueryService* svc, IdentityService& identity) {
  auto with_identity = [&identity](auto fn) {
    return
        [&identity, fn](const CallContext& ctx, const Value& in) { return fn(identity, ctx, in); };
  };
  svc->Register(
      "CreateVirtualMFADevice",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req{"iam:CreateVirtualMFADevice",
                         MfaArn(ctx.principal.account_id, OptString(in, "Path", "/"),
                                in["VirtualMFADeviceName"].get<std::string>())};
        AddRequestTagKeys(in, &req);
        return req;
      },
      with_identity(CreateVirtualMfaDevice));
  // Assigning, resyncing, deactivating and listing a user's devices act on the user.
  svc->Register("EnableMFADevice", UserScoped("iam:EnableMFADevice"),
                with_identity(EnableMfaDevice));
  svc->Register("ResyncMFADevice", UserScoped("iam:ResyncMFADevice"),
                with_identity(ResyncMfaDevice));
  svc->Register("DeactivateMFADevice", UserScoped("iam:DeactivateMFADevice"),
                with_identity(DeactivateMfaDevice));
  svc->Register("ListMFADevices", UserScoped("iam:ListMFADevices"), ListMfaDevices);
  svc->Register("DeleteVirtualMFADevice", DeviceScoped("iam:DeleteVirtualMFADevice"),
                with_identity(DeleteVirtualMfaDevice));
  svc->Register(
      "ListVirtualMFADevices",
      [](const CallContext& ctx, const Value&) {
        return AuthzRequest{"iam:ListVirtualMFADevices",
                            "arn:aws:iam::" + ctx.principal.account_id + ":mfa/"};
      },
      ListVirtualMfaDevices);
  // GetMFADevice is newer than some botocore models Sigil may be built with (Debian 12's has no
  // such operation); it is served when the embedded model has it.
  if (svc->model().FindOperation("GetMFADevice") != nullptr) {
    svc->Register("GetMFADevice", UserScoped("iam:GetMFADevice"), GetMfaDevice);
  }
  svc->Register("TagMFADevice", DeviceScoped("iam:TagMFADevice"), with_identity(TagMfaDevice));
  svc->Register("UntagMFADevice", DeviceScoped("iam:UntagMFADevice"),
                with_identity(UntagMfaDevice));
  svc->Register("ListMFADeviceTags", DeviceScoped("iam:ListMFADeviceTags"), ListMfaDeviceTags);
}

}  // namespace sigil::iam
