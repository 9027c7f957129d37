/// The product's version, recorded with every run so a result can be traced to the code.
public enum ProductVersion {
    public static let string = "0.1.0"
}
