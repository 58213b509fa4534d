// The ../shared files the `matte` tests use, relative to it (see tests/shared_data.h).
#pragma once

namespace matte::test {

inline constexpr const char* kRvm = "models/rvm_mobilenetv3_fp32.onnx";
inline constexpr const char* kBgm = "models/bgm_mobilenetv2_fp32.onnx";
inline constexpr const char* kClip = "media/video/mechanic_360x640.mp4";             // 360x640 portrait, 388 frames
inline constexpr const char* kAudioClip = "media/video/mechanic_audio_360x640.mp4";  // the same at 30000/1001, AAC
inline constexpr const char* kStudio = "media/video/studio_1920x1080.mp4";         // 1920x1080
inline constexpr const char* kSuit = "media/images/suit_570x407.png";
inline constexpr const char* kPortrait = "media/images/portrait_900x1156.jpg";
inline constexpr const char* kOffice = "media/images/office_1920x1080.jpg";
inline constexpr const char* kGreenSrc = "media/plates/greenscreen_src_658x370.png";
inline constexpr const char* kGreenPlate = "media/plates/greenscreen_bgr_658x370.png";
inline constexpr const char* kParkingSrc = "media/plates/parking_src_1920x1080.jpg";
inline constexpr const char* kParkingPlate = "media/plates/parking_bgr_1920x1080.jpg";

}  // namespace matte::test
