// The small built-in image (AMI) catalogue RunInstances launches from and DescribeImages lists:
// the same public images in every region. Immutable data; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sigil::ec2 {

struct ImageInfo {
  std::string_view image_id;
  std::string_view name;
  std::string_view description;
  std::string_view architecture;  // "x86_64" or "arm64"
  std::string_view platform;      // "windows" or "" (Linux/UNIX)
  std::string_view platform_details;
  std::string_view owner_id;
  std::string_view owner_alias;
  std::string_view creation_date;
};

const std::vector<ImageInfo>& ImageCatalogue();
// nullptr when the catalogue has no such image.
const ImageInfo* FindImage(std::string_view image_id);

}  // namespace sigil::ec2
