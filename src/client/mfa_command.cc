// `sigil mfa enable`: a virtual MFA device for the calling IAM user, its QR code drawn in the
// terminal and its seed shown once, enabled with two consecutive codes, and the profile's
// mfa_serial set so sessions ask for codes.
#include <cstdio>

#include "client/commands.h"
#include "client/terminal.h"
#include "client/terminal_qr.h"
#include "common/crypto.h"
#include "common/qr_png.h"
#include "common/strings.h"

namespace sigil::client {
namespace {

Status MfaEnable(ClientContext& ctx, const MfaEnableFlags& flags) {
  const std::string profile = ctx.profile().name;
  SIGIL_ASSIGN_OR_RETURN(Credentials key, ctx.LongTermKey(profile));
  ctx.CloseVault();
  SIGIL_ASSIGN_OR_RETURN(CallerIdentity who, GetCallerIdentity(ctx.api(), key));
  const std::string user = who.UserName();
  if (user.empty()) {
    return FailedPreconditionError("sigil mfa enable is for IAM users, and " + who.arn +
                                   " is not one (set up the root user's MFA in the console)");
  }
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> devices, ListMfaDevices(ctx.api(), key, user));
  if (!devices.empty()) {
    return Status(StatusCode::kAlreadyExists, "user " + user + " already has an MFA device (" +
                                                  devices[0] + "); set mfa_serial = " + devices[0] +
                                                  " in profile " + profile + " to use it");
  }
  const std::string name = flags.device_name.empty() ? user : flags.device_name;
  Progress("mfa enable", "creating the virtual MFA device " + name);
  SIGIL_ASSIGN_OR_RETURN(VirtualMfaDevice device, CreateVirtualMfaDevice(ctx.api(), key, name));
  const std::string label = UriEncode("Sigil:" + user + "@" + who.account);
  std::string uri = "otpauth://totp/" + label + "?secret=" + device.base32_seed + "&issuer=Sigil";
  StatusOr<QrMatrix> qr = EncodeQrCode(uri);
  SecureWipe(uri);
  std::printf("Scan this QR code with your authenticator app:\n\n");
  if (qr.ok()) {
    std::printf("%s\n", RenderQrForTerminal(*qr).c_str());
    qr->dark.assign(qr->dark.size(), false);
  }
  std::printf("Or enter this seed by hand (shown once, never stored by sigil):\n  %s\n\n",
              device.base32_seed.c_str());
  std::fflush(stdout);
  SecureWipe(device.base32_seed);
  std::string code1 = flags.code1;
  std::string code2 = flags.code2;
  if (code1.empty()) {
    SIGIL_ASSIGN_OR_RETURN(code1, PromptLine("First code from the app: "));
  }
  if (code2.empty()) {
    SIGIL_ASSIGN_OR_RETURN(code2, PromptLine("The next code (wait for it to change): "));
  }
  Status enabled =
      EnableMfaDevice(ctx.api(), key, user, device.serial_number,
                      std::string(TrimWhitespace(code1)), std::string(TrimWhitespace(code2)));
  if (!enabled.ok()) {
    Status cleanup = DeleteVirtualMfaDevice(ctx.api(), key, device.serial_number);
    return Status(
        enabled.code(),
        enabled.message() + (cleanup.ok() ? "; the device was removed, run `sigil mfa "
                                            "enable` again with two consecutive codes"
                                          : "; remove the device " + device.serial_number +
                                                " (aws iam delete-virtual-mfa-device) "
                                                "and run `sigil mfa enable` again"));
  }
  AwsConfig& config = ctx.config();
  config.mutable_config().Set(config.ConfigSection(profile), "mfa_serial", device.serial_number);
  SIGIL_RETURN_IF_ERROR(config.SaveConfig());
  std::printf("MFA device %s is enabled for %s; profile %s now has mfa_serial set.\n",
              device.serial_number.c_str(), user.c_str(), profile.c_str());
  return OkStatus();
}

}  // namespace

int RunMfaEnable(ClientContext& ctx, const MfaEnableFlags& flags) {
  Status s = MfaEnable(ctx, flags);
  return s.ok() ? 0 : Fail("mfa enable", s);
}

}  // namespace sigil::client
