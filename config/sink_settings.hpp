// A sink's own settings, held by the config without knowing their type: each sink type defines its
// settings struct in its own folder (with kType, kReminders and receivesSchemaDrift()) and its
// parser (config::SinkType), so adding a sink type changes nothing here.
#pragma once

#include <concepts>
#include <memory>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace mcpwatch::config {

class SinkSettings;

// What a sink type's settings struct brings (see SinkSettings).
template <class T>
concept SinkTraits = requires(const T& t) {
  { T::kType } -> std::convertible_to<std::string_view>;
  { T::kReminders } -> std::convertible_to<bool>;
  { t.receivesSchemaDrift() } -> std::convertible_to<bool>;
};
// Checked in this order so SinkSettings itself never gets as far as copy_constructible (which
// would ask about this constructor again).
template <class T>
concept SinkSettingsType = !std::is_same_v<std::remove_cvref_t<T>, SinkSettings> && SinkTraits<T> &&
                           std::equality_comparable<T> && std::copy_constructible<T>;

class SinkSettings {
public:
  SinkSettings() = default;
  // `T` is a sink type's settings struct: `static constexpr std::string_view kType`, `static
  // constexpr bool kReminders` (reminder_interval is allowed), `bool receivesSchemaDrift() const`
  // and operator==.
  template <SinkSettingsType T>
  SinkSettings(T value) // NOLINT: implicit, as a variant's alternative
      : held_(std::make_shared<const Held<T>>(std::move(value))) {}

  // The settings as `T`; nullptr when they are of another type (or empty).
  template <class T> const T* get() const {
    const auto* held = dynamic_cast<const Held<T>*>(held_.get());
    return held ? &held->value : nullptr;
  }
  // The settings as `T`; throws std::bad_cast when they are of another type.
  template <class T> const T& as() const {
    if (const T* value = get<T>())
      return *value;
    throw std::bad_cast();
  }

  bool empty() const { return !held_; }
  std::string_view type() const { return held_ ? held_->type() : std::string_view(); }
  bool supportsReminders() const { return held_ && held_->reminders(); }
  bool receivesSchemaDrift() const { return held_ && held_->schemaDrift(); }

  friend bool operator==(const SinkSettings& a, const SinkSettings& b) {
    if (!a.held_ || !b.held_)
      return !a.held_ && !b.held_;
    return a.held_->equals(*b.held_);
  }

private:
  struct Base {
    virtual ~Base() = default;
    virtual std::string_view type() const = 0;
    virtual bool reminders() const = 0;
    virtual bool schemaDrift() const = 0;
    virtual bool equals(const Base& other) const = 0;
  };
  template <class T> struct Held final : Base {
    explicit Held(T v) : value(std::move(v)) {}
    std::string_view type() const override { return T::kType; }
    bool reminders() const override { return T::kReminders; }
    bool schemaDrift() const override { return value.receivesSchemaDrift(); }
    bool equals(const Base& other) const override {
      const auto* same = dynamic_cast<const Held*>(&other);
      return same && same->value == value;
    }
    T value;
  };
  std::shared_ptr<const Base> held_; // immutable, so copies share it
};

} // namespace mcpwatch::config
