#include "ec2/images.h"

#include <algorithm>

#include "ec2/operations.h"

namespace sigil::ec2 {

const std::vector<ImageInfo>& ImageCatalogue() {
  static const std::vector<ImageInfo> kImages = {
      {"ami-0a1b2c3d4e5f60001", "al2023-ami-2023.6.20241111.0-kernel-6.1-x86_64",
       "Amazon Linux 2023 AMI 2023.6.20241111.0 x86_64 HVM kernel-6.1", "x86_64", "", "Linux/UNIX",
       "137112412989", "amazon", "2024-11-11T20:00:00.000Z"},
      {"ami-0a1b2c3d4e5f60002", "al2023-ami-2023.6.20241111.0-kernel-6.1-arm64",
       "Amazon Linux 2023 AMI 2023.6.20241111.0 arm64 HVM kernel-6.1", "arm64", "", "Linux/UNIX",
       "137112412989", "amazon", "2024-11-11T20:00:00.000Z"},
      {"ami-0a1b2c3d4e5f60003",
       "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241109",
       "Canonical, Ubuntu, 24.04, amd64 noble image", "x86_64", "", "Linux/UNIX", "099720109477",
       "", "2024-11-09T06:00:00.000Z"},
      {"ami-0a1b2c3d4e5f60004", "Windows_Server-2022-English-Full-Base-2024.11.13",
       "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon", "x86_64",
       "windows", "Windows", "801119661308", "amazon", "2024-11-13T08:00:00.000Z"},
  };
  return kImages;
}

const ImageInfo* FindImage(std::string_view image_id) {
  const auto& images = ImageCatalogue();
  auto it = std::find_if(images.begin(), images.end(),
                         [&](const ImageInfo& i) { return i.image_id == image_id; });
  return it == images.end() ? nullptr : &*it;
}

namespace {

Value ImageValue(const ImageInfo& i) {
  Value v = {{"Architecture", i.architecture},
             {"CreationDate", i.creation_date},
             {"ImageId", i.image_id},
             {"ImageLocation", std::string(i.owner_alias.empty() ? i.owner_id : i.owner_alias) +
                                   "/" + std::string(i.name)},
             {"ImageType", "machine"},
             {"Public", true},
             {"OwnerId", i.owner_id},
             {"PlatformDetails", i.platform_details},
             {"UsageOperation", i.platform.empty() ? "RunInstances" : "RunInstances:0002"},
             {"State", "available"},
             {"Description", i.description},
             {"EnaSupport", true},
             {"Hypervisor", "xen"},
             {"Name", i.name},
             {"RootDeviceName", "/dev/xvda"},
             {"RootDeviceType", "ebs"},
             {"SriovNetSupport", "simple"},
             {"VirtualizationType", "hvm"},
             {"BootMode", i.architecture == "arm64" ? "uefi" : "uefi-preferred"}};
  if (!i.platform.empty()) v["Platform"] = i.platform;
  if (!i.owner_alias.empty()) v["ImageOwnerAlias"] = i.owner_alias;
  return v;
}

StatusOr<Value> DescribeImages(const Value& in) {
  const std::vector<std::string> ids = Strings(in, "ImageIds");
  std::vector<std::string> missing;
  for (const std::string& id : ids) {
    if (!IsResourceId(id, "ami")) return MalformedId("InvalidAMIID.Malformed", id);
    if (FindImage(id) == nullptr) missing.push_back(id);
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string& id : missing) list += (list.empty() ? "" : ", ") + id;
    return ClientError(StatusCode::kNotFound, "InvalidAMIID.NotFound",
                       "The image id '[" + list + "]' does not exist");
  }
  const std::vector<std::string> owners = Strings(in, "Owners");
  const std::vector<Filter> filters = ParseFilters(in);
  Value out = Value::array();
  for (const ImageInfo& i : ImageCatalogue()) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), i.image_id) == ids.end()) continue;
    // "self" is the caller's account, which owns no catalogue image.
    if (!owners.empty() && std::none_of(owners.begin(), owners.end(), [&](const std::string& o) {
          return o == i.owner_id || (!i.owner_alias.empty() && o == i.owner_alias);
        })) {
      continue;
    }
    SIGIL_ASSIGN_OR_RETURN(
        bool match,
        MatchesFilters(filters,
                       [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                         if (name == "image-id") return std::vector{std::string(i.image_id)};
                         if (name == "name") return std::vector{std::string(i.name)};
                         if (name == "description") return std::vector{std::string(i.description)};
                         if (name == "architecture")
                           return std::vector{std::string(i.architecture)};
                         if (name == "owner-id") return std::vector{std::string(i.owner_id)};
                         if (name == "owner-alias") return std::vector{std::string(i.owner_alias)};
                         if (name == "platform") return std::vector{std::string(i.platform)};
                         if (name == "platform-details")
                           return std::vector{std::string(i.platform_details)};
                         if (name == "state") return std::vector<std::string>{"available"};
                         if (name == "image-type") return std::vector<std::string>{"machine"};
                         if (name == "is-public") return std::vector<std::string>{"true"};
                         if (name == "root-device-type") return std::vector<std::string>{"ebs"};
                         if (name == "virtualization-type") return std::vector<std::string>{"hvm"};
                         return std::nullopt;
                       },
                       {}));
    if (match) out.push_back(ImageValue(i));
  }
  return Value{{"Images", out}};
}

}  // namespace

void RegisterImageOperations(api::QueryService& service, const Ec2Deps&) {
  RegisterEc2Operation(
      service, "DescribeImages",
      [](const CallContext& ctx, const Value&) { return UnscopedQuestion(ctx, "DescribeImages"); },
      [](const CallContext&, const Value& in) { return DescribeImages(in); });
}

}  // namespace sigil::ec2
