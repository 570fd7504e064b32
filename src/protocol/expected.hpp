// A small subset of C++23 std::expected, so that code written against it can
// switch to <expected> unchanged once the toolchain has it (GCC 12 ships it
// only under -std=c++23, and Debian 12 packages no tl::expected).
//
// Expected failures on the hot path are values of this type; exceptions are
// kept for start-up and configuration errors.
#pragma once

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace portico {

template <class E>
class unexpected {
 public:
  constexpr explicit unexpected(E e) : error_(std::move(e)) {}
  constexpr const E& error() const& noexcept { return error_; }
  constexpr E& error() & noexcept { return error_; }
  constexpr E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};

template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class [[nodiscard]] expected {
 public:
  using value_type = T;
  using error_type = E;

  constexpr expected() requires std::is_default_constructible_v<T>
      : storage_(std::in_place_index<0>) {}
  template <class U = T>
  requires std::is_constructible_v<T, U&&> &&(!std::is_same_v<std::remove_cvref_t<U>, expected>)&&(
      !std::is_same_v<std::remove_cvref_t<U>, unexpected<E>>)constexpr expected(U&& v)
      : storage_(std::in_place_index<0>, std::forward<U>(v)) {}
  template <class G>
  constexpr expected(const unexpected<G>& u) : storage_(std::in_place_index<1>, u.error()) {}
  template <class G>
  constexpr expected(unexpected<G>&& u) : storage_(std::in_place_index<1>, std::move(u).error()) {}

  constexpr bool has_value() const noexcept { return storage_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  constexpr T& value() & { return check_value(), std::get<0>(storage_); }
  constexpr const T& value() const& { return check_value(), std::get<0>(storage_); }
  constexpr T&& value() && { return check_value(), std::get<0>(std::move(storage_)); }
  constexpr T& operator*() & { return value(); }
  constexpr const T& operator*() const& { return value(); }
  constexpr T&& operator*() && { return std::move(*this).value(); }
  constexpr T* operator->() { return &value(); }
  constexpr const T* operator->() const { return &value(); }

  constexpr const E& error() const& {
    assert(!has_value());
    return std::get<1>(storage_);
  }
  constexpr E& error() & {
    assert(!has_value());
    return std::get<1>(storage_);
  }

  template <class U>
  constexpr T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(storage_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  constexpr void check_value() const {
    // A read of the value of a failed result is a programming error.
    assert(has_value());
  }
  std::variant<T, E> storage_;
};

template <class E>
class [[nodiscard]] expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  constexpr expected() = default;
  template <class G>
  constexpr expected(const unexpected<G>& u) : error_(u.error()), failed_(true) {}
  template <class G>
  constexpr expected(unexpected<G>&& u) : error_(std::move(u).error()), failed_(true) {}

  constexpr bool has_value() const noexcept { return !failed_; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr void value() const { assert(has_value()); }
  constexpr const E& error() const& {
    assert(!has_value());
    return error_;
  }

 private:
  E error_{};
  bool failed_ = false;
};

// The common case: a value or a std::error_code.
template <class T>
using result = expected<T, std::error_code>;

}  // namespace portico
