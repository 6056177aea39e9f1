"""Stand-ins for dbt's cross-database macros so that sqlfluff lints without a database.

Type macros return a type name; every other `dbt.<macro>(...)` renders as a plain function call,
which parses like the SQL the real macro writes.
"""


def type_float():
    return "float"


def type_bigint():
    return "bigint"


def type_int():
    return "integer"


def type_numeric():
    return "numeric"


def type_string():
    return "text"


def type_timestamp():
    return "timestamp"


def type_boolean():
    return "boolean"


def cast(expression, data_type):
    return f"cast({expression} as {data_type})"


def safe_cast(expression, data_type):
    return cast(expression, data_type)


def string_literal(value):
    return f"'{value}'"


def current_timestamp():
    return "current_timestamp"


def __getattr__(name):
    def render(*arguments, **keyword_arguments):
        values = [str(argument) for argument in arguments] + [str(value) for value in keyword_arguments.values()]
        return f"{name}({', '.join(values)})"

    return render
